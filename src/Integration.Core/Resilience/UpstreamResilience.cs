using System.Net;
using Integration.Core.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Integration.Core.Resilience;

/// <summary>
/// Builds one upstream's Microsoft.Extensions.Http.Resilience pipeline from the connector's
/// <see cref="ConnectorResilienceOptions"/>, in the standard handler's order: total timeout → retry →
/// circuit breaker → attempt timeout. What the gateway adds sits in the package's own hooks: the retry's
/// <c>ShouldHandle</c> (unsafe methods only when marked, a <c>Retry-After</c> never waited past the total
/// timeout), the breaker's <c>ManualControl</c> (operator isolation) and <c>StateProvider</c> and callbacks
/// (health figures, metrics, logs), and a second pipeline instance without retry or breaker for probes.
/// The registry keeps each built pipeline, and so each breaker, for the life of the process.
/// </summary>
internal static class UpstreamResilience
{
    /// <summary>The pipeline instance for ordinary calls.</summary>
    internal const string CallsInstance = "calls";

    /// <summary>The pipeline instance for requests marked with <see cref="UpstreamRequestOptions.MarkAsProbe"/>.</summary>
    internal const string ProbeInstance = "probe";

    /// <summary>When the whole call must be over (a <see cref="TimeProvider"/> timestamp), set by the total timeout.</summary>
    internal static readonly ResiliencePropertyKey<long> DeadlineKey = new("Integration.Deadline");

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context, string connector, string upstream)
    {
        var sp = context.ServiceProvider;
        var o = sp.GetRequiredService<IOptionsMonitor<ConnectorResilienceOptions>>().Get(connector);
        var time = sp.GetRequiredService<TimeProvider>();
        builder.TimeProvider = time;

        if (context.InstanceName == ProbeInstance)
        {
            // A probe is sent once, bounded by the attempt timeout, and never meets the breaker: it can
            // neither trip a circuit nor be refused by an open or isolated one.
            builder.AddTimeout(new HttpTimeoutStrategyOptions { Name = "probe", Timeout = o.AttemptTimeout });
            return;
        }

        var registry = sp.GetRequiredService<ConnectorHealthRegistry>();
        var metrics = sp.GetRequiredService<GatewayMetrics>();
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Integration.Core.Resilience.UpstreamResilience");
        var connectorHealth = registry.Connector(connector);
        var health = connectorHealth.Upstream(upstream);
        var state = new CircuitBreakerStateProvider();
        var tags = new KeyValuePair<string, object?>[] { new("connector", connector), new("upstream", upstream) };

        builder.AddTimeout(new HttpTimeoutStrategyOptions
        {
            Name = "total",
            TimeoutGenerator = args =>
            {
                // The upstream's figures follow the breaker of the pipeline that runs. Not set when the pipeline
                // is built: when first calls race, Polly's registry may build a pipeline twice and keep one
                // (ConcurrentDictionary.GetOrAdd), and the other's breaker is never used.
                health.Circuit = state;
                args.Context.Properties.Set(DeadlineKey, time.GetTimestamp() + (o.TotalTimeout.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond));
                return ValueTask.FromResult(o.TotalTimeout);
            },
        });

        if (o.MaxRetryAttempts > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                Name = "retry",
                MaxRetryAttempts = o.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryDelay,
                MaxDelay = o.RetryMaxDelay,
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(
                    HttpClientResiliencePredicates.IsTransient(args.Outcome) && RetryAfterFits(args.Outcome.Result, args.Context, time)),
                OnRetry = args =>
                {
                    health.RecordRetry();
                    metrics.Retries.Add(1, tags);
                    Log.Retrying(logger, connector, upstream, args.AttemptNumber + 1, args.RetryDelay, (int?)args.Outcome.Result?.StatusCode, args.Outcome.Exception?.GetType().Name);
                    return ValueTask.CompletedTask;
                },
            };

            // POST, PUT, PATCH and DELETE are sent once (the package's rule) unless the connector marked
            // the request as safe to repeat; the mark restores the transient-failure rule for that request.
            var transient = retry.ShouldHandle;
            retry.DisableForUnsafeHttpMethods();
            var exceptUnsafe = retry.ShouldHandle;
            retry.ShouldHandle = args => args.Context.GetRequestMessage() is { } request && UpstreamRequestOptions.IsMarkedSafeToRetry(request)
                ? transient(args)
                : exceptUnsafe(args);
            builder.AddRetry(retry);
        }

        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            Name = "breaker",
            FailureRatio = o.FailureRatio,
            MinimumThroughput = o.MinimumThroughput,
            SamplingDuration = o.SamplingDuration,
            BreakDuration = o.BreakDuration,
            StateProvider = state,
            ManualControl = connectorHealth.Control,
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
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Name = "attempt", Timeout = o.AttemptTimeout });
    }

    /// <summary>
    /// A <c>Retry-After</c> that reaches past the total timeout: give the answer back now rather than wait
    /// and time out; the caller sees 503 with that <c>Retry-After</c>.
    /// </summary>
    private static bool RetryAfterFits(HttpResponseMessage? response, ResilienceContext context, TimeProvider time)
    {
        if (RetryAfter(response, time) is not { } wait || !context.Properties.TryGetValue(DeadlineKey, out var deadline))
        {
            return true;
        }

        var remaining = deadline - time.GetTimestamp();
        return wait.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond < remaining;
    }

    /// <summary>The upstream's <c>Retry-After</c> (seconds or date), or null when it sent none.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
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

    /// <summary>408, 429 and 5xx: the package's definition of a transient answer.</summary>
    internal static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    /// <summary>What the operator sees as the last error of a failed attempt.</summary>
    internal static string Describe(Exception ex) => ex switch
    {
        OperationCanceledException => "attempt timed out",
        HttpRequestException h => $"connection failed ({h.HttpRequestError})",
        _ => ex.GetType().Name,
    };
}
