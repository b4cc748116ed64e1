namespace Integration.Core.Store;

internal static class CoreMigrations
{
    public static readonly StoreMigration Audit = new(
        "0001-core-audit",
        """
        CREATE TABLE audit_records (
            id TEXT PRIMARY KEY,
            at BIGINT NOT NULL,
            client TEXT NOT NULL,
            action TEXT NOT NULL,
            connector TEXT NOT NULL,
            purpose TEXT NULL,
            subject_masked TEXT NULL,
            subject_hash TEXT NULL,
            result TEXT NOT NULL,
            trace_id TEXT NULL
        );
        CREATE INDEX ix_audit_records_at ON audit_records (at);
        CREATE INDEX ix_audit_records_subject ON audit_records (subject_hash, at);
        """);

    public static readonly StoreMigration Monitoring = new(
        "0002-core-monitoring",
        """
        CREATE TABLE monitoring_records (
            id TEXT PRIMARY KEY,
            at BIGINT NOT NULL,
            client TEXT NOT NULL,
            connector TEXT NOT NULL,
            upstream TEXT NULL,
            operation TEXT NOT NULL,
            outcome TEXT NOT NULL,
            http_status BIGINT NULL,
            attempts BIGINT NOT NULL,
            duration_ms DOUBLE PRECISION NOT NULL,
            cache TEXT NOT NULL,
            error_code TEXT NULL,
            trace_id TEXT NULL
        );
        CREATE INDEX ix_monitoring_records_at ON monitoring_records (at);
        CREATE INDEX ix_monitoring_records_connector ON monitoring_records (connector, at);
        """);

    public static readonly StoreMigration JobLeases = new(
        "0003-core-job-leases",
        """
        CREATE TABLE job_leases (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at BIGINT NOT NULL,
            last_run_slot BIGINT NOT NULL
        );
        """);

    /// <summary>A monitoring row may stand for several calls: cache hits are counted per client, operation and second.</summary>
    public static readonly StoreMigration MonitoringCalls = new(
        "0010-core-monitoring-calls",
        "ALTER TABLE monitoring_records ADD COLUMN calls BIGINT NOT NULL DEFAULT 1;");

    /// <summary>
    /// The tables Quartz 4.7's ADO job store reads and writes (prefix <c>qrtz_</c>), for the clustered
    /// cluster-wide scheduler: the PostgreSQL schema script that ships inside Quartz (<c>create_postgres.sql</c>,
    /// what its <c>SchemaProvisioning.CreateIfMissing</c> would run), applied here by the gateway's own migrator
    /// so the scheduler only validates it. SQLite deployments run one instance with the schedule in memory.
    /// </summary>
    public static readonly StoreMigration QuartzStore = new(
        "0004-core-quartz-store",
        "SELECT 1;",
        """
        CREATE TABLE IF NOT EXISTS qrtz_job_details (
          sched_name text not null,
          job_name text not null,
          job_group text not null,
          description text null,
          job_class_name text not null,
          is_durable bool not null,
          is_nonconcurrent bool not null,
          is_update_data bool not null,
          requests_recovery bool not null,
          job_data bytea null,
          primary key (sched_name,job_name,job_group)
        );
        CREATE TABLE IF NOT EXISTS qrtz_triggers (
          sched_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          job_name text not null,
          job_group text not null,
          description text null,
          next_fire_time bigint null,
          prev_fire_time bigint null,
          priority integer null,
          trigger_state text not null,
          trigger_type text not null,
          start_time bigint not null,
          end_time bigint null,
          calendar_name text null,
          misfire_instr smallint null,
          misfire_orig_fire_time bigint null,
          execution_group varchar(200) null,
          preferred_node varchar(200) null,
          preferred_node_auto bool not null default false,
          retry_policy varchar(250) null,
          retry_attempt integer null,
          continues_trigger_name text null,
          continues_trigger_group text null,
          continuation_condition integer null,
          overlap_policy integer null,
          pause_reason varchar(250) null,
          paused_by varchar(200) null,
          paused_at bigint null,
          misfire_threshold bigint null,
          fixed_delay bool null,
          job_data bytea null,
          primary key (sched_name,trigger_name,trigger_group),
          foreign key (sched_name,job_name,job_group) references qrtz_job_details (sched_name,job_name,job_group)
        );
        CREATE TABLE IF NOT EXISTS qrtz_simple_triggers (
          sched_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          repeat_count bigint not null,
          repeat_interval bigint not null,
          times_triggered bigint not null,
          primary key (sched_name,trigger_name,trigger_group),
          foreign key (sched_name,trigger_name,trigger_group) references qrtz_triggers (sched_name,trigger_name,trigger_group) on delete cascade
        );
        CREATE TABLE IF NOT EXISTS qrtz_cron_triggers (
          sched_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          cron_expression text not null,
          time_zone_id text,
          primary key (sched_name,trigger_name,trigger_group),
          foreign key (sched_name,trigger_name,trigger_group) references qrtz_triggers (sched_name,trigger_name,trigger_group) on delete cascade
        );
        CREATE TABLE IF NOT EXISTS qrtz_simprop_triggers (
          sched_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          str_prop_1 text null,
          str_prop_2 text null,
          str_prop_3 text null,
          int_prop_1 integer null,
          int_prop_2 integer null,
          long_prop_1 bigint null,
          long_prop_2 bigint null,
          dec_prop_1 numeric null,
          dec_prop_2 numeric null,
          bool_prop_1 bool null,
          bool_prop_2 bool null,
          time_zone_id text null,
          primary key (sched_name,trigger_name,trigger_group),
          foreign key (sched_name,trigger_name,trigger_group) references qrtz_triggers (sched_name,trigger_name,trigger_group) on delete cascade
        );
        CREATE TABLE IF NOT EXISTS qrtz_blob_triggers (
          sched_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          blob_data bytea null,
          primary key (sched_name,trigger_name,trigger_group),
          foreign key (sched_name,trigger_name,trigger_group) references qrtz_triggers (sched_name,trigger_name,trigger_group) on delete cascade
        );
        CREATE TABLE IF NOT EXISTS qrtz_calendars (
          sched_name text not null,
          calendar_name text not null,
          calendar bytea not null,
          primary key (sched_name,calendar_name)
        );
        CREATE TABLE IF NOT EXISTS qrtz_paused_trigger_grps (
          sched_name text not null,
          trigger_group text not null,
          pause_reason varchar(250) null,
          paused_by varchar(200) null,
          paused_at bigint null,
          primary key (sched_name,trigger_group)
        );
        CREATE TABLE IF NOT EXISTS qrtz_paused_job_grps (
          sched_name text not null,
          job_group text not null,
          pause_reason varchar(250) null,
          paused_by varchar(200) null,
          paused_at bigint null,
          primary key (sched_name,job_group)
        );
        CREATE TABLE IF NOT EXISTS qrtz_fired_triggers (
          sched_name text not null,
          entry_id text not null,
          trigger_name text not null,
          trigger_group text not null,
          instance_name text not null,
          fired_time bigint not null,
          sched_time bigint not null,
          priority integer not null,
          state text not null,
          job_name text null,
          job_group text null,
          is_nonconcurrent bool not null,
          requests_recovery bool null,
          execution_group varchar(200) null,
          progress integer null,
          progress_message varchar(250) null,
          interrupt_requested_time bigint null,
          primary key (sched_name,entry_id)
        );
        CREATE TABLE IF NOT EXISTS qrtz_scheduler_state (
          sched_name text not null,
          instance_name text not null,
          last_checkin_time bigint not null,
          checkin_interval bigint not null,
          quartz_version varchar(20) null,
          primary key (sched_name,instance_name)
        );
        CREATE TABLE IF NOT EXISTS qrtz_locks (
          sched_name text not null,
          lock_name text not null,
          primary key (sched_name,lock_name)
        );
        CREATE TABLE IF NOT EXISTS qrtz_execution_history (
          sched_name text not null,
          entry_id text not null,
          instance_name text not null,
          job_name text not null,
          job_group text not null,
          trigger_name text not null,
          trigger_group text not null,
          fired_time bigint not null,
          run_time bigint not null,
          succeeded bool not null,
          error_message text null,
          retry_attempt integer not null default 0,
          retry_scheduled bool not null default false,
          execution_log text null,
          result integer null,
          summary text null,
          metrics text null,
          manual bool null,
          fire_instance_id text null,
          job_input text null,
          job_input_too_large bool null,
          primary key (sched_name,entry_id)
        );
        CREATE TABLE IF NOT EXISTS qrtz_misfire_history (
          sched_name text not null,
          entry_id text not null,
          instance_name text not null,
          trigger_name text not null,
          trigger_group text not null,
          job_name text null,
          job_group text null,
          misfire_time bigint not null,
          sched_time bigint null,
          reason integer null,
          primary key (sched_name,entry_id)
        );
        CREATE TABLE IF NOT EXISTS qrtz_job_status (
          sched_name text not null,
          job_group text not null,
          job_name text not null,
          first_fired_time bigint not null,
          last_fired_time bigint not null,
          last_result integer not null,
          last_run_time bigint not null,
          last_instance_name text not null,
          last_entry_id text null,
          last_summary text null,
          last_success_time bigint null,
          last_failure_time bigint null,
          last_failure_message text null,
          consecutive_failures integer not null default 0,
          run_count bigint not null default 0,
          failure_count bigint not null default 0,
          primary key (sched_name,job_group,job_name)
        );
        CREATE INDEX IF NOT EXISTS idx_qrtz_j_g_n ON qrtz_job_details (sched_name, job_group, job_name);
        CREATE INDEX IF NOT EXISTS idx_qrtz_t_j ON qrtz_triggers (sched_name, job_name, job_group);
        CREATE INDEX IF NOT EXISTS idx_qrtz_t_g_n ON qrtz_triggers (sched_name, trigger_group, trigger_name);
        CREATE INDEX IF NOT EXISTS idx_qrtz_t_c ON qrtz_triggers (sched_name, calendar_name);
        CREATE INDEX IF NOT EXISTS idx_qrtz_t_nft_st ON qrtz_triggers (sched_name, trigger_state, next_fire_time asc, priority desc, misfire_instr);
        CREATE INDEX IF NOT EXISTS idx_qrtz_ft_inst_job_req_rcvry ON qrtz_fired_triggers (sched_name, instance_name, requests_recovery);
        CREATE INDEX IF NOT EXISTS idx_qrtz_ft_j_g ON qrtz_fired_triggers (sched_name, job_name, job_group);
        CREATE INDEX IF NOT EXISTS idx_qrtz_ft_t_g ON qrtz_fired_triggers (sched_name, trigger_name, trigger_group);
        CREATE INDEX IF NOT EXISTS idx_qrtz_eh_fired_time ON qrtz_execution_history (sched_name, fired_time);
        CREATE INDEX IF NOT EXISTS idx_qrtz_eh_inst ON qrtz_execution_history (sched_name, instance_name);
        CREATE INDEX IF NOT EXISTS idx_qrtz_mh_misfire_time ON qrtz_misfire_history (sched_name, misfire_time);
        CREATE INDEX IF NOT EXISTS idx_qrtz_mh_inst ON qrtz_misfire_history (sched_name, instance_name);
        CREATE INDEX IF NOT EXISTS idx_qrtz_eh_job_time ON qrtz_execution_history (sched_name, job_group, job_name, fired_time);
        CREATE INDEX IF NOT EXISTS idx_qrtz_eh_fire_inst ON qrtz_execution_history (sched_name, fire_instance_id);
        CREATE INDEX IF NOT EXISTS idx_qrtz_eh_trig_time ON qrtz_execution_history (sched_name, trigger_group, trigger_name, fired_time);
        """);

    /// <summary>
    /// SQLite: audit rows in the order they were committed, in a plain rowid table with one index (the subject's).
    /// The first table kept each row in four b-trees (the table, the id's unique index, the time index and the
    /// subject index); every index grows at its right-hand end by rebalancing three sibling pages. A rowid table grows
    /// at its end by adding a page: under the benchmark's load a group commit wrote 8.2 WAL pages on average and now
    /// writes 5.4, most of them the subject index's. The newest rows are read by walking the table backwards
    /// (<c>ORDER BY rowid DESC</c>); ids stay unique by construction (74 random bits beside the millisecond, see
    /// <see cref="RowId"/>). The rows are copied over once, oldest first. PostgreSQL keeps its heap and indexes
    /// (nothing to change there).
    /// </summary>
    public static readonly StoreMigration AuditInCommitOrder = new(
        "0011-core-audit-in-commit-order",
        """
        CREATE TABLE audit_records_in_order (
            id TEXT NOT NULL,
            at BIGINT NOT NULL,
            client TEXT NOT NULL,
            action TEXT NOT NULL,
            connector TEXT NOT NULL,
            purpose TEXT NULL,
            subject_masked TEXT NULL,
            subject_hash TEXT NULL,
            result TEXT NOT NULL,
            trace_id TEXT NULL
        );
        INSERT INTO audit_records_in_order (id, at, client, action, connector, purpose, subject_masked, subject_hash, result, trace_id)
            SELECT id, at, client, action, connector, purpose, subject_masked, subject_hash, result, trace_id FROM audit_records ORDER BY at, id;
        DROP TABLE audit_records;
        ALTER TABLE audit_records_in_order RENAME TO audit_records;
        CREATE INDEX ix_audit_records_subject ON audit_records (subject_hash, at);
        """,
        "SELECT 1;");

    /// <summary>
    /// How far each audit journal's rows have been copied into <c>audit_records</c> (see <see cref="Audit.AuditJournal"/>): the
    /// sequence number of the last row copied, updated in the transaction that copies them, so a journal left by a crash
    /// is copied from exactly where it stopped. PostgreSQL gets the table too (same schema on both stores), unused there.
    /// </summary>
    public static readonly StoreMigration AuditJournals = new(
        "0012-core-audit-journals",
        "CREATE TABLE audit_journals (journal TEXT PRIMARY KEY, moved_through BIGINT NOT NULL);");

    /// <summary>Job leases are gone: Quartz's clustered store runs each firing on one instance.</summary>
    public static readonly StoreMigration DropJobLeases = new("0005-core-drop-job-leases", "DROP TABLE IF EXISTS job_leases;");
}
