using Microsoft.Extensions.Logging;

namespace Integration.Core;

/// <summary>Core's log messages. Fields are structured; none carries an ID number, phone number, token or secret.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Applied store migration {MigrationId} ({Dialect})")]
    public static partial void MigrationApplied(ILogger logger, string migrationId, string dialect);

    [LoggerMessage(1002, LogLevel.Error, "Writing a batch of {Count} rows ({Writer}) failed: {Refused} waiting callers answered store_unavailable, the other rows {Fate}")]
    public static partial void BatchWriteFailed(ILogger logger, string writer, int count, int refused, string fate, Exception exception);

    [LoggerMessage(1003, LogLevel.Warning, "Best-effort rows of {Writer} dropped (queue full or retries exhausted): {Dropped} so far")]
    public static partial void RowsDropped(ILogger logger, string writer, long dropped);

    [LoggerMessage(1004, LogLevel.Warning, "{Writer} refused a row because {Reason}; its request answered store_unavailable ({Refused} so far)")]
    public static partial void RowsRefused(ILogger logger, string writer, string reason, long refused);

    [LoggerMessage(1005, LogLevel.Warning, "{Writer}: {Refused} rows refused (answered store_unavailable), {Dropped} best-effort rows dropped, {Written} written since start")]
    public static partial void WriterTotals(ILogger logger, string writer, long refused, long dropped, long written);

    [LoggerMessage(1006, LogLevel.Error, "Copying journaled audit rows into the store failed ({Failures} attempts so far, {Unmoved} rows waiting in the journal); retrying")]
    public static partial void AuditMoveFailed(ILogger logger, int failures, long unmoved, Exception exception);

    [LoggerMessage(1007, LogLevel.Warning, "Copied {Rows} audit rows from the journal {Journal} of a gateway that stopped before they reached the store")]
    public static partial void AuditJournalRecovered(ILogger logger, int rows, string journal);

    [LoggerMessage(1008, LogLevel.Error, "Could not copy the audit journal {Journal} left by a stopped gateway; it is kept and tried again at the next start")]
    public static partial void AuditJournalRecoveryFailed(ILogger logger, string journal, Exception exception);

    [LoggerMessage(1101, LogLevel.Warning, "Retrying {Connector}/{Upstream}, attempt {Attempt} in {Delay} (status {Status}, exception {Exception})")]
    public static partial void Retrying(ILogger logger, string connector, string upstream, int attempt, TimeSpan delay, int? status, string? exception);

    [LoggerMessage(1102, LogLevel.Warning, "Circuit of {Connector}/{Upstream} opened for {BreakDuration} (manual: {Manual})")]
    public static partial void CircuitOpened(ILogger logger, string connector, string upstream, TimeSpan breakDuration, bool manual);

    [LoggerMessage(1103, LogLevel.Information, "Circuit of {Connector}/{Upstream} closed (manual: {Manual})")]
    public static partial void CircuitClosed(ILogger logger, string connector, string upstream, bool manual);

    [LoggerMessage(1141, LogLevel.Information, "{Connector}/{Upstream} issued a token valid for {Lifetime}; it is replaced after {RefreshAfter}")]
    public static partial void TokenIssued(ILogger logger, string connector, string upstream, TimeSpan lifetime, TimeSpan refreshAfter);

    [LoggerMessage(1142, LogLevel.Warning, "A request of {Connector} was refused with HTTP 401; fetching a new {Upstream} token and sending it once more")]
    public static partial void TokenRejected(ILogger logger, string connector, string upstream);

    [LoggerMessage(1201, LogLevel.Warning, "Redis is unavailable ({Reason}); serving from the in-memory cache and upstreams until it is back")]
    public static partial void RedisDown(ILogger logger, string reason);

    [LoggerMessage(1202, LogLevel.Information, "Redis is back; the shared cache is in use again")]
    public static partial void RedisBack(ILogger logger);

    [LoggerMessage(1301, LogLevel.Information, "Outbox {Topic} delivered {Key} version {Version} (attempt {Attempt})")]
    public static partial void OutboxDelivered(ILogger logger, string topic, string key, long version, long attempt);

    [LoggerMessage(1302, LogLevel.Warning, "Outbox {Topic} attempt {Attempt} of {Key} version {Version} failed; next attempt at {NextAttemptAt}: {Error}")]
    public static partial void OutboxRetrying(ILogger logger, string topic, string key, long version, long attempt, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(1303, LogLevel.Error, "Outbox {Topic} gave up on {Key} version {Version} after attempt {Attempt}; later versions of it wait for an operator: {Error}")]
    public static partial void OutboxDead(ILogger logger, string topic, string key, long version, long attempt, string error);

    [LoggerMessage(1304, LogLevel.Warning, "Outbox {Topic} lost the lease of {Key} version {Version}; another instance owns it now")]
    public static partial void OutboxLeaseLost(ILogger logger, string topic, string key, long version);

    [LoggerMessage(1305, LogLevel.Error, "Outbox could not claim items; retrying at the next poll")]
    public static partial void OutboxClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(1306, LogLevel.Error, "Outbox {Topic} could not record the outcome of {Key} version {Version}; it is sent again when its lease expires")]
    public static partial void OutboxUpdateFailed(ILogger logger, string topic, string key, long version, Exception exception);
}
