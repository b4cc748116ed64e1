using System.Data.Common;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Privacy;
using Integration.Core.Store;
using Microsoft.Extensions.Logging;

namespace Integration.Core.Audit;

/// <summary>
/// One audit row: who looked up whose personal data, for what purpose, and the outcome; or which
/// operator acted on a connector. The subject is stored masked and as a keyed hash (so one
/// citizen's lookups can be found without storing the number).
/// </summary>
public sealed record AuditRecord(
    string Action,
    string Connector,
    string Result,
    string? Purpose = null,
    string? SubjectMasked = null,
    string? SubjectHash = null);

/// <summary>
/// Records audit rows for personal-data lookups and operator actions. A lookup's row is committed before
/// its answer leaves the gateway (<see cref="RecordLookupAsync"/>: group commit, the request waits for the
/// batch transaction holding its row); other rows are queued and retried on failure.
/// </summary>
public sealed class AuditLog(GatewayStore store, CallerContext caller, PersonalDataProtector protector, TimeProvider time, ILogger<AuditLog> logger)
    : BatchedStoreWriter<AuditLog.Row>(store, time, logger, capacity: 10_000)
{
    /// <summary>
    /// Records a lookup of <paramref name="subject"/> (an ID or phone number in clear; only its mask and keyed
    /// hash are kept) and completes once the row is committed. Throws <see cref="Problems.StoreUnavailableException"/>
    /// (503 <c>store_unavailable</c>) when the store cannot take it: the answer must then not be given.
    /// </summary>
    public Task RecordLookupAsync(string action, string connector, string? purpose, string subject, string subjectMasked, string result,
        CancellationToken cancellationToken = default) =>
        CommitAsync(ToRow(new AuditRecord(action, connector, result, purpose, subjectMasked, protector.Hash("subject", subject))), cancellationToken);

    /// <summary>Queues a lookup's row without waiting for it (a lookup that answered nothing personal, e.g. a failure).</summary>
    public void RecordLookup(string action, string connector, string? purpose, string subject, string subjectMasked, string result) =>
        Record(new AuditRecord(action, connector, result, purpose, subjectMasked, protector.Hash("subject", subject)));

    /// <summary>Queues a row without waiting (operator actions, refusals); a failed batch is retried.</summary>
    public void Record(AuditRecord record) => Enqueue(ToRow(record));

    private Row ToRow(AuditRecord record)
    {
        var now = Time.GetUtcNow();
        return new(
            RowId.New(now),
            now.ToUnixTimeMilliseconds(),
            caller.ClientName,
            record.Action,
            record.Connector,
            record.Purpose is null ? null : PersonalDataMask.Text(record.Purpose),
            record.SubjectMasked,
            record.SubjectHash,
            record.Result,
            caller.TraceId);
    }

    /// <summary>
    /// Reads the newest rows first (operators, tests). SQLite keeps the rows in the order they were committed and
    /// has no time index (see <see cref="CoreMigrations.AuditInCommitOrder"/>); PostgreSQL orders by time.
    /// </summary>
    public async Task<IReadOnlyList<Row>> ReadRecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await Store.OpenAsync(cancellationToken);
        var newestFirst = Store.Dialect == StoreDialect.Sqlite ? "rowid DESC" : "at DESC, id DESC";
        var rows = await connection.QueryAsync<Row>(
            $"""
            SELECT id AS Id, at AS At, client AS Client, action AS Action, connector AS Connector, purpose AS Purpose,
                   subject_masked AS SubjectMasked, subject_hash AS SubjectHash, result AS Result, trace_id AS TraceId
            FROM audit_records ORDER BY {newestFirst} LIMIT @limit
            """, new { limit });
        return rows.AsList();
    }

    protected override string Table => "audit_records";

    protected override IReadOnlyList<string> Columns { get; } =
        ["id", "at", "client", "action", "connector", "purpose", "subject_masked", "subject_hash", "result", "trace_id"];

    protected override void Bind(Row row, object?[] values)
    {
        values[0] = row.Id;
        values[1] = row.At;
        values[2] = row.Client;
        values[3] = row.Action;
        values[4] = row.Connector;
        values[5] = row.Purpose;
        values[6] = row.SubjectMasked;
        values[7] = row.SubjectHash;
        values[8] = row.Result;
        values[9] = row.TraceId;
    }

    public sealed record Row(
        string Id, long At, string Client, string Action, string Connector, string? Purpose,
        string? SubjectMasked, string? SubjectHash, string Result, string? TraceId);
}
