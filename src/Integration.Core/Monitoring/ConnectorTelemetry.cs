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

    /// <summary>The stable code of the refusal the operation answered with, when it answers one as a result rather than an exception.</summary>
    public string? Rejection { get; private set; }

    /// <summary>Records the operation as rejected with <paramref name="code"/>, as a <see cref="GatewayProblemException"/> would.</summary>
    public void Reject(string code) => Rejection = code;

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
/// A cache hit that needed no upstream is not worth a row of its own: hits are counted per client,
/// connector, operation and second, and written as one row with <c>calls</c> and the mean duration.
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
    private readonly Lock _hitsGate = new();
    private readonly Dictionary<HitKey, HitTotals> _hits = [];
    private long _hitsSecond;
    private ITimer? _hitsTimer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Writes the hits of seconds that are over when no further hit comes along to do it.
        _hitsTimer = Time.CreateTimer(_ => FlushHits(Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_hitsTimer is not null)
        {
            await _hitsTimer.DisposeAsync();
        }

        FlushHits(long.MaxValue);
        await base.StopAsync(cancellationToken);
    }

    /// <summary>Writes the counted hits too, then waits for the queue (tests).</summary>
    public override Task FlushAsync(CancellationToken cancellationToken = default)
    {
        FlushHits(long.MaxValue);
        return base.FlushAsync(cancellationToken);
    }

    private void CountHit(string client, string connector, string operation, double elapsedMs)
    {
        var second = Time.GetUtcNow().ToUnixTimeMilliseconds() / 1000;
        if (second > Volatile.Read(ref _hitsSecond))
        {
            FlushHits(second);
        }

        lock (_hitsGate)
        {
            ref var totals = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(
                _hits, new HitKey(second, client, connector, operation), out _);
            totals.Calls++;
            totals.TotalMs += elapsedMs;
        }
    }

    /// <summary>Queues one row per key of the seconds before <paramref name="before"/>.</summary>
    private void FlushHits(long before)
    {
        List<Row>? rows = null;
        lock (_hitsGate)
        {
            if (before != long.MaxValue && before > _hitsSecond)
            {
                _hitsSecond = before;
            }

            foreach (var (key, totals) in _hits)
            {
                if (key.Second < before)
                {
                    (rows ??= []).Add(new Row(
                        RowId.New(DateTimeOffset.FromUnixTimeSeconds(key.Second)), key.Second * 1000, key.Client, key.Connector, null, key.Operation, "success",
                        null, 0, totals.TotalMs / totals.Calls, "hit", null, null, totals.Calls));
                }
            }

            if (rows is not null)
            {
                foreach (var row in rows)
                {
                    _hits.Remove(new HitKey(row.At / 1000, row.Client, row.Connector, row.Operation));
                }
            }
        }

        if (rows is not null)
        {
            foreach (var row in rows)
            {
                Enqueue(row);
            }
        }
    }

    private static string CacheName(CacheOutcome outcome) => outcome switch
    {
        CacheOutcome.Hit => "hit",
        CacheOutcome.Miss => "miss",
        CacheOutcome.Stale => "stale",
        _ => "none",
    };

    private readonly record struct HitKey(long Second, string Client, string Connector, string Operation);

    private struct HitTotals
    {
        public long Calls;
        public double TotalMs;
    }

    public async Task<T> TrackAsync<T>(string connector, string operation, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var call = new ConnectorCall(connector, operation);
        using var activity = ConnectorActivity.Source.StartActivity($"{connector} {operation}");
        activity?.SetTag("gateway.connector", connector);
        activity?.SetTag("gateway.operation", operation);
        var started = Time.GetTimestamp();
        string outcome = "success";
        string? errorCode = null;
        using (ConnectorCall.Enter(call))
        {
            try
            {
                var result = await work(cancellationToken);
                if (call.Rejection is { } rejection)
                {
                    (outcome, errorCode) = ("rejected", rejection);
                }

                return result;
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
                    metrics.CacheLookups.Add(1, new("connector", connector), new("result", CacheName(call.Cache)));
                }

                if (activity is not null)
                {
                    activity.SetTag("gateway.outcome", outcome);
                    activity.SetTag("gateway.upstream", call.Upstream);
                    activity.SetTag("gateway.attempts", call.Attempts);
                    activity.SetTag("gateway.cache", call.Cache.ToString().ToLowerInvariant());
                    activity.SetTag("http.response.status_code", call.HttpStatus);
                    activity.SetTag("error.type", errorCode);
                    if (outcome is not "success")
                    {
                        activity.SetStatus(ActivityStatusCode.Error, errorCode);
                    }
                }

                var tags = new TagList { { "connector", connector }, { "operation", operation }, { "outcome", outcome } };
                metrics.Calls.Add(1, tags);
                metrics.Duration.Record(elapsed, tags);
                if (call.Cache == CacheOutcome.Hit && errorCode is null && outcome == "success" && call.Attempts == 0)
                {
                    CountHit(caller.ClientName, connector, operation, elapsed);
                }
                else
                {
                    var now = Time.GetUtcNow();
                    Enqueue(new Row(
                        RowId.New(now),
                        now.ToUnixTimeMilliseconds(),
                        caller.ClientName,
                        connector,
                        call.Upstream,
                        operation,
                        outcome,
                        call.HttpStatus,
                        call.Attempts,
                        elapsed,
                        CacheName(call.Cache),
                        errorCode,
                        caller.TraceId,
                        1));
                }
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
                   cache AS Cache, error_code AS ErrorCode, trace_id AS TraceId, calls AS Calls
            FROM monitoring_records ORDER BY at DESC, id DESC LIMIT @limit
            """, new { limit });
        return rows.AsList();
    }

    protected override string Table => "monitoring_records";

    protected override IReadOnlyList<string> Columns { get; } =
        ["id", "at", "client", "connector", "upstream", "operation", "outcome", "http_status", "attempts", "duration_ms", "cache", "error_code", "trace_id", "calls"];

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
        values[13] = row.Calls;
    }

    public sealed record Row(
        string Id, long At, string Client, string Connector, string? Upstream, string Operation, string Outcome,
        long? HttpStatus, long Attempts, double DurationMs, string Cache, string? ErrorCode, string? TraceId, long Calls);
}
