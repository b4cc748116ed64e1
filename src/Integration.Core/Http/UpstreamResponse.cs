using Integration.Core.Problems;
using Integration.Core.Resilience;

namespace Integration.Core.Http;

/// <summary>Helpers for connectors reading an upstream's answer.</summary>
public static class UpstreamResponse
{
    /// <summary>
    /// Throws <see cref="UpstreamUnavailableException"/> (503, with the upstream's <c>Retry-After</c>)
    /// when the final answer is still transient (408, 429, 5xx) after the pipeline's retries.
    /// </summary>
    public static void ThrowIfTransient(HttpResponseMessage response, string upstream)
    {
        if (UpstreamResilience.IsTransient(response.StatusCode))
        {
            var retryAfter = response.Headers.RetryAfter?.Delta;
            throw new UpstreamUnavailableException(upstream, $"{upstream} answered HTTP {(int)response.StatusCode}.")
            {
                RetryAfter = retryAfter,
            };
        }
    }
}
