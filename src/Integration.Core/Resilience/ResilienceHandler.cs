using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Integration.Core.Resilience;

/// <summary>
/// Sends each request through its upstream's pipeline (the part of
/// Microsoft.Extensions.Http.Resilience this machine cannot restore). The request is snapshotted so a
/// retry sends a fresh copy; each attempt reads the whole answer; failures leave as
/// <see cref="UpstreamException"/>s the host turns into problem details. A final transient answer
/// (e.g. a 503 after the last retry) is returned as is: the connector decides what it means.
/// </summary>
internal sealed class ResilienceHandler(UpstreamPipeline pipeline, GatewayMetrics metrics, TimeProvider time) : DelegatingHandler
{
    /// <summary>The largest answer an attempt reads; a longer one fails the attempt.</summary>
    public const long MaxAnswerBytes = 64L * 1024 * 1024;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (UpstreamRequestOptions.IsProbe(request))
        {
            return await SendProbeAsync(request, cancellationToken);
        }

        var snapshot = await RequestSnapshot.CreateAsync(request, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(UpstreamPipelines.RequestKey, request);
        context.Properties.Set(
            UpstreamPipelines.DeadlineKey,
            time.GetTimestamp() + (pipeline.Options.TotalTimeout.Ticks * time.TimestampFrequency / TimeSpan.TicksPerSecond));
        try
        {
            var outcome = await pipeline.Pipeline.ExecuteOutcomeAsync(
                static (ctx, attempts) => attempts.SendNextAsync(ctx.CancellationToken),
                context,
                new Attempts(this, snapshot, request));

            if (outcome.Exception is { } ex)
            {
                throw Translate(ex, cancellationToken);
            }

            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task<HttpResponseMessage> SendProbeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(pipeline.Options.AttemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException(pipeline.Upstream, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new UpstreamUnavailableException(pipeline.Upstream, $"{pipeline.Upstream} could not be reached.", ex);
        }
    }

    private async ValueTask<Outcome<HttpResponseMessage>> SendAttemptAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var tags = new KeyValuePair<string, object?>[] { new("connector", pipeline.Connector), new("upstream", pipeline.Upstream) };
        metrics.Attempts.Add(1, tags);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            try
            {
                // The body is part of the attempt: one that breaks off (a reset mid-chunk, garbage) or trickles
                // past the attempt timeout fails the attempt like a failed connection, so it is retried, counted
                // by the breaker, and never reaches the connector as a raw exception or a hang.
                await response.Content.LoadIntoBufferAsync(MaxAnswerBytes, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            var failed = UpstreamPipelines.IsTransient(response.StatusCode);
            pipeline.Health.RecordAttempt(time.GetElapsedTime(started).TotalMilliseconds, failed, failed ? $"HTTP {(int)response.StatusCode}" : null);
            ConnectorCall.Current?.AddAttempt(pipeline.Upstream, (int)response.StatusCode);
            return Outcome.FromResult(response);
        }
        catch (Exception ex)
        {
            var error = ex switch
            {
                OperationCanceledException => "attempt timed out",
                HttpRequestException h => $"connection failed ({h.HttpRequestError})",
                _ => ex.GetType().Name,
            };
            pipeline.Health.RecordAttempt(time.GetElapsedTime(started).TotalMilliseconds, true, error);
            ConnectorCall.Current?.AddAttempt(pipeline.Upstream, null);
            return Outcome.FromException<HttpResponseMessage>(ex);
        }
    }

    private Exception Translate(Exception ex, CancellationToken cancellationToken)
    {
        switch (ex)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return ex;
            case TimeoutRejectedException:
                return new UpstreamTimeoutException(pipeline.Upstream, ex);
            case IsolatedCircuitException:
                pipeline.Health.RecordRejected("circuit isolated by an operator");
                return new UpstreamUnavailableException(pipeline.Upstream, $"{pipeline.Upstream} is isolated by an operator.", ex);
            case BrokenCircuitException broken:
                pipeline.Health.RecordRejected("circuit open");
                return new UpstreamUnavailableException(pipeline.Upstream, $"{pipeline.Upstream} is failing; its circuit is open.", ex)
                {
                    RetryAfter = broken.RetryAfter is { } r && r > TimeSpan.Zero ? r : pipeline.Options.BreakDuration,
                };
            case HttpRequestException:
                return new UpstreamUnavailableException(pipeline.Upstream, $"{pipeline.Upstream} could not be reached.", ex);
            default:
                return ex;
        }
    }

    /// <summary>The first attempt sends the caller's message; each retry a fresh copy.</summary>
    private sealed class Attempts(ResilienceHandler handler, RequestSnapshot snapshot, HttpRequestMessage original)
    {
        private int _sent;

        public ValueTask<Outcome<HttpResponseMessage>> SendNextAsync(CancellationToken cancellationToken) =>
            handler.SendAttemptAsync(_sent++ == 0 ? original : snapshot.Clone(), cancellationToken);
    }

    /// <summary>What a retry needs to send the request again: HttpRequestMessage can be sent only once.</summary>
    private sealed class RequestSnapshot
    {
        private readonly HttpRequestMessage _original;
        private readonly byte[]? _content;
        private readonly List<KeyValuePair<string, IEnumerable<string>>> _contentHeaders = [];

        private RequestSnapshot(HttpRequestMessage original, byte[]? content)
        {
            _original = original;
            _content = content;
            if (original.Content is not null)
            {
                _contentHeaders.AddRange(original.Content.Headers);
            }
        }

        public static async Task<RequestSnapshot> CreateAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            byte[]? content = null;
            if (request.Content is not null)
            {
                await request.Content.LoadIntoBufferAsync(cancellationToken);
                content = await request.Content.ReadAsByteArrayAsync(cancellationToken);
            }

            return new RequestSnapshot(request, content);
        }

        public HttpRequestMessage Clone()
        {
            var clone = new HttpRequestMessage(_original.Method, _original.RequestUri)
            {
                Version = _original.Version,
                VersionPolicy = _original.VersionPolicy,
            };
            foreach (var header in _original.Headers)
            {
                clone.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            foreach (var option in _original.Options)
            {
                ((IDictionary<string, object?>)clone.Options)[option.Key] = option.Value;
            }

            if (_content is not null)
            {
                clone.Content = new ByteArrayContent(_content);
                foreach (var header in _contentHeaders)
                {
                    clone.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }

            return clone;
        }
    }
}
