using System.Data;
using System.Data.Common;
using System.Globalization;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Indicators;
using Integration.Core.Store;

namespace Integration.Indicators;

/// <summary>
/// Keeps the indicator facts. A dossier's row is an upsert that does not depend on the order in which
/// versions arrive: the highest version gives the latest state, the earliest change to 9 or 10 the finish
/// time, so a repeat or a late lower version changes nothing it should not.
/// </summary>
/// <remarks>
/// The dossier's upsert runs in every <c>PUT .../status</c>, so it is kept cheap: the outbox sends it to PostgreSQL in
/// one prepared batch with its own insert (no extra wait for the server; each pooled connection parses and plans it
/// once), and it is short. Profiled, parsing and planning the earlier, longer form on every call was most of its cost,
/// and its own round trip most of the rest; the indexes were not.
/// </remarks>
internal sealed class IndicatorFeed(GatewayStore store, TimeProvider time) : IIndicatorFeed
{
    /// <summary><c>open_until</c> of a dossier neither finished nor closed.</summary>
    public const long StillOpen = long.MaxValue;

    private const string Newer = "excluded.version > d.version";

    /// <summary>The columns of the latest state: the stored version's, unless a higher one arrives.</summary>
    private static readonly string[] LatestState =
        ["version", "status", "agency_code", "procedure_code", "channel", "received_at", "due_at", "changed_at", "closed_at"];

    private readonly string _upsertDossier = UpsertDossier(store.Dialect == StoreDialect.Postgres ? "LEAST" : "MIN");

    public static bool Finishes(int status) => status is 9 or 10;

    /// <summary>Rejected at intake (3), withdrawn (7), stopped (8): closed without a result.</summary>
    public static bool Closes(int status) => status is 3 or 7 or 8;

    /// <summary>
    /// The finish time is the earlier of the stored and the new one (either may be null); <c>open_until</c> the earlier
    /// of the finish and the latest state's closing. <paramref name="least"/> is the smallest-argument function
    /// (PostgreSQL <c>LEAST</c>, SQLite <c>MIN</c>), given no null: they treat nulls differently.
    /// </summary>
    private static string UpsertDossier(string least) =>
        $"""
        INSERT INTO indicator_dossiers AS d (dossier_code, version, status, agency_code, procedure_code, channel, received_at, due_at,
            changed_at, finished_at, closed_at, open_until, updated_at)
        VALUES (@DossierCode, @Version, @Status, @AgencyCode, @ProcedureCode, @Channel, @ReceivedAt, @DueAt,
            @ChangedAt, @FinishedAt, @ClosedAt, @OpenUntil, @UpdatedAt)
        ON CONFLICT (dossier_code) DO UPDATE SET
            {string.Join(",\n    ", LatestState.Select(c => $"{c} = CASE WHEN {Newer} THEN excluded.{c} ELSE d.{c} END"))},
            finished_at = {least}(COALESCE(d.finished_at, excluded.finished_at), COALESCE(excluded.finished_at, d.finished_at)),
            open_until = {least}(COALESCE(d.finished_at, excluded.finished_at, {StillOpen}), COALESCE(excluded.finished_at, d.finished_at, {StillOpen}),
                COALESCE(CASE WHEN {Newer} THEN excluded.closed_at ELSE d.closed_at END, {StillOpen})),
            updated_at = excluded.updated_at
        """;

    public StoreCommand DossierStatusAccepted(DossierStatusFact fact)
    {
        var changed = fact.ChangedAt.ToUnixTimeMilliseconds();
        long? finished = Finishes(fact.Status) ? changed : null;
        long? closed = Closes(fact.Status) ? changed : null;
        return new StoreCommand(_upsertDossier)
            .With("DossierCode", DbType.String, fact.DossierCode)
            .With("Version", DbType.Int64, fact.Version)
            .With("Status", DbType.Int64, (long)fact.Status)
            .With("AgencyCode", DbType.String, fact.AgencyCode)
            .With("ProcedureCode", DbType.String, fact.ProcedureCode)
            .With("Channel", DbType.Int64, (long)fact.Channel)
            .With("ReceivedAt", DbType.Int64, fact.ReceivedAt.ToUnixTimeMilliseconds())
            .With("DueAt", DbType.Int64, fact.DueAt?.ToUnixTimeMilliseconds())
            .With("ChangedAt", DbType.Int64, changed)
            .With("FinishedAt", DbType.Int64, finished)
            .With("ClosedAt", DbType.Int64, closed)
            .With("OpenUntil", DbType.Int64, finished ?? closed ?? StillOpen)
            .With("UpdatedAt", DbType.Int64, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    public Task PaymentPaidAsync(PaidPaymentFact fact, DbTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO indicator_payments (payment_id, method, amount, paid_at, dossier_code)
            VALUES (@PaymentId, @Method, @Amount, @PaidAt, @DossierCode)
            ON CONFLICT (payment_id) DO NOTHING
            """,
            new { fact.PaymentId, fact.Method, fact.Amount, PaidAt = fact.PaidAt.ToUnixTimeMilliseconds(), fact.DossierCode },
            transaction,
            cancellationToken: cancellationToken));

    public Task AccountStatisticsPulledAsync(IReadOnlyList<AccountStatisticsFact> facts, DbTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO indicator_account_stats (locality_code, day, locality_name, accounts, level2_accounts, fetched_at)
            VALUES (@LocalityCode, @Day, @LocalityName, @Accounts, @Level2Accounts, @FetchedAt)
            ON CONFLICT (locality_code, day) DO UPDATE SET
                locality_name = excluded.locality_name, accounts = excluded.accounts,
                level2_accounts = excluded.level2_accounts, fetched_at = excluded.fetched_at
            WHERE excluded.fetched_at >= indicator_account_stats.fetched_at
            """,
            facts.Select(f => new
            {
                f.LocalityCode,
                Day = DateOnly.FromDateTime(f.FetchedAt.ToOffset(VietnamTime.Offset).DateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                f.LocalityName,
                f.Accounts,
                f.Level2Accounts,
                FetchedAt = f.FetchedAt.ToUnixTimeMilliseconds(),
            }),
            transaction,
            cancellationToken: cancellationToken));
}
