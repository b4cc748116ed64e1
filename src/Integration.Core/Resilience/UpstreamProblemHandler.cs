using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Integration.Core.Resilience;

/// <summary>
/// The outermost gateway handler, around the resilience pipeline: what the pipeline gives up with becomes
/// the problem the caller sees (504 <c>upstream_timeout</c>, 503 <c>upstream_unavailable</c> with
/// <c>Retry-After</c> while the circuit is open), and a call the breaker refused is counted in the
/// upstream's figures. A final transient answer (e.g. a 503 after the last retry) is returned as is: the
/// connector decides what it means.
/// </summary>
internal sealed class UpstreamProblemHandler(string upstream, UpstreamHealth health, TimeSpan breakDuration) : DelegatingHandler
{

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException ex)
        {
            throw new UpstreamTimeoutException(upstream, ex);
        }
        catch (IsolatedCircuitException ex)
        {
            health.RecordRejected("circuit isolated by an operator");
            throw new UpstreamUnavailableException(upstream, $"{upstream} is isolated by an operator.", ex);
        }
        catch (BrokenCircuitException ex)
        {
            health.RecordRejected("circuit open");
            throw new UpstreamUnavailableException(upstream, $"{upstream} is failing; its circuit is open.", ex)
            {
                RetryAfter = ex.RetryAfter is { } r && r > TimeSpan.Zero ? r : breakDuration,
            };
        }
        catch (HttpRequestException ex)
        {
            throw new UpstreamUnavailableException(upstream, $"{upstream} could not be reached.", ex);
        }
    }
}
