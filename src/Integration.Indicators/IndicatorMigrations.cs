using Integration.Core.Store;

namespace Integration.Indicators;

internal static class IndicatorMigrations
{
    /// <summary>
    /// One row per dossier (its latest state and its finish time), paid payments, and account figures per
    /// locality and day. <c>open_until</c> is when the dossier stopped being open (the earlier of its finish
    /// and its closing), or <see cref="IndicatorFeed.StillOpen"/>: "open at the end of the period" is then one
    /// range condition, served by an index, whatever the period.
    /// </summary>
    public static readonly StoreMigration Schema = new(
        "7001-indicators-schema",
        """
        CREATE TABLE indicator_dossiers (
            dossier_code TEXT PRIMARY KEY,
            version BIGINT NOT NULL,
            status BIGINT NOT NULL,
            agency_code TEXT NOT NULL,
            procedure_code TEXT NOT NULL,
            channel BIGINT NOT NULL,
            received_at BIGINT NOT NULL,
            due_at BIGINT NULL,
            changed_at BIGINT NOT NULL,
            finished_at BIGINT NULL,
            closed_at BIGINT NULL,
            open_until BIGINT NOT NULL,
            updated_at BIGINT NOT NULL
        );
        CREATE INDEX ix_indicator_dossiers_received ON indicator_dossiers (received_at, agency_code, channel);
        CREATE INDEX ix_indicator_dossiers_finished ON indicator_dossiers (finished_at, agency_code, due_at);
        CREATE INDEX ix_indicator_dossiers_open ON indicator_dossiers (open_until, due_at, agency_code);
        CREATE TABLE indicator_payments (
            payment_id TEXT PRIMARY KEY,
            method TEXT NOT NULL,
            amount BIGINT NOT NULL,
            paid_at BIGINT NOT NULL,
            dossier_code TEXT NOT NULL
        );
        CREATE INDEX ix_indicator_payments_paid ON indicator_payments (paid_at, method, amount);
        CREATE TABLE indicator_account_stats (
            locality_code TEXT NOT NULL,
            day TEXT NOT NULL,
            locality_name TEXT NULL,
            accounts BIGINT NOT NULL,
            level2_accounts BIGINT NOT NULL,
            fetched_at BIGINT NOT NULL,
            PRIMARY KEY (locality_code, day)
        );
        CREATE INDEX ix_indicator_account_stats_day ON indicator_account_stats (day, locality_code);
        """);
}
