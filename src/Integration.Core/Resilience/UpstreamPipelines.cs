using System.Collections.Concurrent;
using System.Net;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Integration.Core.Resilience;

/// <summary>
/// One pipeline, and so one circuit breaker, per connector and upstream, kept for the life of the
/// process (IHttpClientFactory recycles handlers; breaker state must survive that).
/// </summary>
internal sealed class UpstreamPipelines(
    IOptionsMonitor<ConnectorResilienceOptions> options,
    ConnectorHealthRegistry registry,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<UpstreamPipelines> logger)
{
    internal static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Integration.Request");
    internal static readonly ResiliencePropertyKey<long> DeadlineKey = new("Integration.Deadline");

    private readonly ConcurrentDictionary<(string, string), Lazy<UpstreamPipeline>> _pipelines = new();

    public UpstreamPipeline Get(string connector, string upstream) =>
        _pipelines.GetOrAdd((connector, upstream), key => new Lazy<UpstreamPipeline>(() => Build(key.Item1, key.Item2))).Value;

    private UpstreamPipeline Build(string connector, string upstream)
    {
        var o = options.Get(connector);
        var connectorHealth = registry.Connector(connector);
        var health = connectorHealth.Upstream(upstream);
        var state = new CircuitBreakerStateProvider();
        health.Circuit = state;
        var tags = new KeyValuePair<string, object?>[] { new("connector", connector), new("upstream", upstream) };

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>
        {
            Name = $"{connector}/{upstream}",
            TimeProvider = time,
        };
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "total", Timeout = o.TotalTimeout });
        if (o.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                Name = "retry",
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryDelay,
                MaxDelay = o.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    health.RecordRetry();
                    metrics.Retries.Add(1, tags);
                    Log.Retrying(logger, connector, upstream, args.AttemptNumber + 1, args.RetryDelay, (int?)args.Outcome.Result?.StatusCode, args.Outcome.Exception?.GetType().Name);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            Name = "breaker",
            FailureRatio = o.FailureRatio,
            MinimumThroughput = o.MinimumThroughput,
            SamplingDuration = o.SamplingDuration,
            BreakDuration = o.BreakDuration,
            StateProvider = state,
            ManualControl = connectorHealth.Control,
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            OnOpened = args =>
            {
                metrics.CircuitTransitions.Add(1, [.. tags, new("state", args.IsManual ? "isolated" : "open")]);
                Log.CircuitOpened(logger, connector, upstream, args.BreakDuration, args.IsManual);
                return ValueTask.CompletedTask;
            },
            OnHalfOpened = _ =>
            {
                metrics.CircuitTransitions.Add(1, [.. tags, new("state", "half_open")]);
                return ValueTask.CompletedTask;
            },
            OnClosed = args =>
            {
                metrics.CircuitTransitions.Add(1, [.. tags, new("state", "closed")]);
                Log.CircuitClosed(logger, connector, upstream, args.IsManual);
                return ValueTask.CompletedTask;
            },
        });
        builder.AddTimeout(new TimeoutStrategyOptions { Name = "attempt", Timeout = o.AttemptTimeout });

        return new UpstreamPipeline(connector, upstream, builder.Build(), health, o);
    }

    /// <summary>408, 429, 5xx, connection failures and attempt timeouts.</summary>
    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Exception: not null } => false,
        { Result: { } r } => IsTransient(r.StatusCode),
        _ => false,
    };

    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome, ResilienceContext context)
    {
        if (!IsTransient(outcome)
            || !context.Properties.TryGetValue(RequestKey, out var request)
            || !UpstreamRequestOptions.IsSafeToRetry(request))
        {
            return false;
        }

        // A Retry-After that reaches past the total timeout: give the answer back now rather than
        // wait and time out; the caller sees 503 with that Retry-After.
        if (RetryAfter(outcome.Result) is { } wait && context.Properties.TryGetValue(DeadlineKey, out var deadline))
        {
            var remaining = deadline - time.GetTimestamp();
            return wait.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond < remaining;
        }

        return true;
    }

    /// <summary>The upstream's <c>Retry-After</c> (seconds or date), or null for the default backoff.</summary>
    internal TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var d = date - time.GetUtcNow();
            return d < TimeSpan.Zero ? TimeSpan.Zero : d;
        }

        return null;
    }
}

/// <summary>A built pipeline with what the handler needs alongside it.</summary>
internal sealed record UpstreamPipeline(
    string Connector,
    string Upstream,
    ResiliencePipeline<HttpResponseMessage> Pipeline,
    UpstreamHealth Health,
    ConnectorResilienceOptions Options);
