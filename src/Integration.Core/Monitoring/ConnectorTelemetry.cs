using System.Diagnostics;
using System.Data.Common;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Problems;
using Integration.Core.Store;
using Microsoft.Extensions.Logging;

namespace Integration.Core.Monitoring;

/// <summary>
/// The operation in progress on this async flow, so the resilience handler and the cache can add
/// what they see (attempts, last status, cache outcome) to its monitoring row.
/// </summary>
public sealed class ConnectorCall
{
    private static readonly AsyncLocal<ConnectorCall?> CurrentCall = new();
    private int _attempts;

    internal ConnectorCall(string connector, string operation)
    {
        Connector = connector;
        Operation = operation;
    }

    public static ConnectorCall? Current => CurrentCall.Value;

    public string Connector { get; }

    public string Operation { get; }

    public int Attempts => Volatile.Read(ref _attempts);

    public string? Upstream { get; private set; }

    public int? HttpStatus { get; private set; }

    public CacheOutcome Cache { get; set; }

    internal void AddAttempt(string upstream, int? status)
    {
        Interlocked.Increment(ref _attempts);
        Upstream = upstream;
        HttpStatus = status;
    }

    internal static IDisposable Enter(ConnectorCall call)
    {
        var previous = CurrentCall.Value;
        CurrentCall.Value = call;
        return new Restore(previous);
    }

    private sealed class Restore(ConnectorCall? previous) : IDisposable
    {
        public void Dispose() => CurrentCall.Value = previous;
    }
}

/// <summary>
/// Wraps each connector operation: times it, classifies its outcome, updates metrics and writes an
/// operational-monitoring row (in the spirit of X-Road's: time, client, connector, operation,
/// outcome, status, attempts, duration, cache) off the request path. No personal data in clear.
/// </summary>
public sealed class ConnectorTelemetry(
    GatewayStore store,
    CallerContext caller,
    GatewayMetrics metrics,
    ConnectorHealthRegistry health,
    TimeProvider time,
    ILogger<ConnectorTelemetry> logger)
    : BatchedStoreWriter<ConnectorTelemetry.Row>(store, time, logger, capacity: 50_000)
{
    public async Task<T> TrackAsync<T>(string connector, string operation, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var call = new ConnectorCall(connector, operation);
        var started = Time.GetTimestamp();
        string outcome = "success";
        string? errorCode = null;
        using (ConnectorCall.Enter(call))
        {
            try
            {
                return await work(cancellationToken);
            }
            catch (GatewayProblemException ex)
            {
                outcome = ex switch
                {
                    UpstreamTimeoutException => "timeout",
                    UpstreamUnavailableException => "unavailable",
                    UpstreamException => "error",
                    _ => "rejected",
                };
                errorCode = ex.Code;
                throw;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                outcome = "cancelled";
                throw;
            }
            catch (Exception)
            {
                outcome = "error";
                errorCode = ProblemCodes.InternalError;
                throw;
            }
            finally
            {
                var elapsed = Time.GetElapsedTime(started).TotalMilliseconds;
                if (call.Cache != CacheOutcome.None)
                {
                    health.Connector(connector).RecordCache(call.Cache);
                    metrics.CacheLookups.Add(1, new("connector", connector), new("result", call.Cache.ToString().ToLowerInvariant()));
                }

                var tags = new TagList { { "connector", connector }, { "operation", operation }, { "outcome", outcome } };
                metrics.Calls.Add(1, tags);
                metrics.Duration.Record(elapsed, tags);
                Enqueue(new Row(
                    Guid.CreateVersion7().ToString("N"),
                    Time.GetUtcNow().ToUnixTimeMilliseconds(),
                    caller.ClientName,
                    connector,
                    call.Upstream,
                    operation,
                    outcome,
                    call.HttpStatus,
                    call.Attempts,
                    elapsed,
                    call.Cache.ToString().ToLowerInvariant(),
                    errorCode,
                    caller.TraceId));
            }
        }
    }

    public async Task<IReadOnlyList<Row>> ReadRecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await Store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, at AS At, client AS Client, connector AS Connector, upstream AS Upstream, operation AS Operation,
                   outcome AS Outcome, http_status AS HttpStatus, attempts AS Attempts, duration_ms AS DurationMs,
                   cache AS Cache, error_code AS ErrorCode, trace_id AS TraceId
            FROM monitoring_records ORDER BY at DESC, id DESC LIMIT @limit
            """, new { limit });
        return rows.AsList();
    }

    protected override string Table => "monitoring_records";

    protected override IReadOnlyList<string> Columns { get; } =
        ["id", "at", "client", "connector", "upstream", "operation", "outcome", "http_status", "attempts", "duration_ms", "cache", "error_code", "trace_id"];

    protected override void Bind(Row row, object?[] values)
    {
        values[0] = row.Id;
        values[1] = row.At;
        values[2] = row.Client;
        values[3] = row.Connector;
        values[4] = row.Upstream;
        values[5] = row.Operation;
        values[6] = row.Outcome;
        values[7] = row.HttpStatus;
        values[8] = row.Attempts;
        values[9] = row.DurationMs;
        values[10] = row.Cache;
        values[11] = row.ErrorCode;
        values[12] = row.TraceId;
    }

    public sealed record Row(
        string Id, long At, string Client, string Connector, string? Upstream, string Operation, string Outcome,
        long? HttpStatus, long Attempts, double DurationMs, string Cache, string? ErrorCode, string? TraceId);
}
