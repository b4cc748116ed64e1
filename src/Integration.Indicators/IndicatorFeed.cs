using System.Data.Common;
using System.Globalization;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Indicators;

namespace Integration.Indicators;

/// <summary>
/// Keeps the indicator facts. A dossier's row is an upsert that does not depend on the order in which
/// versions arrive: the highest version gives the latest state, the earliest change to 9 or 10 the finish
/// time, so a repeat or a late lower version changes nothing it should not.
/// </summary>
internal sealed class IndicatorFeed(TimeProvider time) : IIndicatorFeed
{
    /// <summary><c>open_until</c> of a dossier neither finished nor closed.</summary>
    public const long StillOpen = long.MaxValue;

    private const string Newer = "excluded.version > d.version";
    private const string Finished =
        "CASE WHEN excluded.finished_at IS NOT NULL AND (d.finished_at IS NULL OR excluded.finished_at < d.finished_at) THEN excluded.finished_at ELSE d.finished_at END";
    private const string Closed = $"CASE WHEN {Newer} THEN excluded.closed_at ELSE d.closed_at END";

    private static readonly string UpsertDossier =
        $"""
        INSERT INTO indicator_dossiers AS d (dossier_code, version, status, agency_code, procedure_code, channel, received_at, due_at,
            changed_at, finished_at, closed_at, open_until, updated_at)
        VALUES (@DossierCode, @Version, @Status, @AgencyCode, @ProcedureCode, @Channel, @ReceivedAt, @DueAt,
            @ChangedAt, @FinishedAt, @ClosedAt, @OpenUntil, @UpdatedAt)
        ON CONFLICT (dossier_code) DO UPDATE SET
            version = CASE WHEN {Newer} THEN excluded.version ELSE d.version END,
            status = CASE WHEN {Newer} THEN excluded.status ELSE d.status END,
            agency_code = CASE WHEN {Newer} THEN excluded.agency_code ELSE d.agency_code END,
            procedure_code = CASE WHEN {Newer} THEN excluded.procedure_code ELSE d.procedure_code END,
            channel = CASE WHEN {Newer} THEN excluded.channel ELSE d.channel END,
            received_at = CASE WHEN {Newer} THEN excluded.received_at ELSE d.received_at END,
            due_at = CASE WHEN {Newer} THEN excluded.due_at ELSE d.due_at END,
            changed_at = CASE WHEN {Newer} THEN excluded.changed_at ELSE d.changed_at END,
            closed_at = {Closed},
            finished_at = {Finished},
            open_until = CASE
                WHEN ({Finished}) IS NOT NULL AND (({Closed}) IS NULL OR ({Finished}) <= ({Closed})) THEN {Finished}
                WHEN ({Closed}) IS NOT NULL THEN {Closed}
                ELSE {StillOpen} END,
            updated_at = excluded.updated_at
        """;

    public static bool Finishes(int status) => status is 9 or 10;

    /// <summary>Rejected at intake (3), withdrawn (7), stopped (8): closed without a result.</summary>
    public static bool Closes(int status) => status is 3 or 7 or 8;

    public async Task DossierStatusAcceptedAsync(DossierStatusFact fact, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var changed = fact.ChangedAt.ToUnixTimeMilliseconds();
        long? finished = Finishes(fact.Status) ? changed : null;
        long? closed = Closes(fact.Status) ? changed : null;
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(UpsertDossier, new
        {
            fact.DossierCode,
            fact.Version,
            Status = (long)fact.Status,
            fact.AgencyCode,
            fact.ProcedureCode,
            Channel = (long)fact.Channel,
            ReceivedAt = fact.ReceivedAt.ToUnixTimeMilliseconds(),
            DueAt = fact.DueAt?.ToUnixTimeMilliseconds(),
            ChangedAt = changed,
            FinishedAt = finished,
            ClosedAt = closed,
            OpenUntil = finished ?? closed ?? StillOpen,
            UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
        }, transaction, cancellationToken: cancellationToken));
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
