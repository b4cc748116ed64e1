using Integration.Core.Monitoring;

namespace Integration.Core.Resilience;

/// <summary>
/// The innermost gateway handler, inside the resilience pipeline's attempt timeout: it reads the whole
/// answer within the attempt and records the attempt in the upstream's health figures. A body that breaks
/// off (a reset mid-chunk, garbage) or trickles past the attempt timeout fails the attempt like a failed
/// connection, so it is retried, counted by the breaker, and never reaches the connector as a raw
/// exception or a hang.
/// </summary>
internal sealed class UpstreamAttemptHandler(string connector, string upstream, ConnectorHealthRegistry registry, GatewayMetrics metrics, TimeProvider time)
    : DelegatingHandler
{
    /// <summary>The largest answer an attempt reads; a longer one fails the attempt.</summary>
    public const long MaxAnswerBytes = 64L * 1024 * 1024;

    private readonly UpstreamHealth _health = registry.Connector(connector).Upstream(upstream);
    private readonly KeyValuePair<string, object?>[] _tags = [new("connector", connector), new("upstream", upstream)];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (UpstreamRequestOptions.IsProbe(request))
        {
            // Probes are not part of the upstream's figures: their own result is recorded by the prober.
            var answer = await base.SendAsync(request, cancellationToken);
            await BufferAsync(answer, cancellationToken);
            return answer;
        }

        var started = time.GetTimestamp();
        metrics.Attempts.Add(1, _tags);
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            await BufferAsync(response, cancellationToken);
            var failed = UpstreamResilience.IsTransient(response.StatusCode);
            _health.RecordAttempt(time.GetElapsedTime(started).TotalMilliseconds, failed, failed ? $"HTTP {(int)response.StatusCode}" : null);
            ConnectorCall.Current?.AddAttempt(upstream, (int)response.StatusCode);
            return response;
        }
        catch (Exception ex)
        {
            _health.RecordAttempt(time.GetElapsedTime(started).TotalMilliseconds, true, UpstreamResilience.Describe(ex));
            ConnectorCall.Current?.AddAttempt(upstream, null);
            throw;
        }
    }

    private static async Task BufferAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await response.Content.LoadIntoBufferAsync(MaxAnswerBytes, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
