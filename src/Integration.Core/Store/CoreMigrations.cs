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
}
