using System.Net;
using System.Net.Http.Headers;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Refit;

namespace Integration.Core.Http;

/// <summary>Helpers for connectors reading an upstream's answer.</summary>
public static class UpstreamResponse
{
    /// <summary>
    /// Throws <see cref="UpstreamUnavailableException"/> (503, with the upstream's <c>Retry-After</c>)
    /// when the final answer is still transient (408, 429, 5xx) after the pipeline's retries.
    /// </summary>
    public static void ThrowIfTransient(HttpResponseMessage response, string upstream) =>
        ThrowIfTransient(response.StatusCode, response.Headers.RetryAfter, upstream);

    /// <inheritdoc cref="ThrowIfTransient(HttpResponseMessage, string)"/>
    /// <remarks>
    /// Refit's status is null only when no answer came, which the pipeline reports by throwing
    /// (<see cref="UpstreamHttpClientExtensions.AddUpstreamRefitClient{TApi}"/> lets that through).
    /// </remarks>
    public static void ThrowIfTransient(IApiResponse response, string upstream) =>
        ThrowIfTransient(response.StatusCode, response.Headers?.RetryAfter, upstream);

    private static void ThrowIfTransient(HttpStatusCode? status, RetryConditionHeaderValue? retryAfter, string upstream)
    {
        if (status is { } s && UpstreamResilience.IsTransient(s))
        {
            throw new UpstreamUnavailableException(upstream, $"{upstream} answered HTTP {(int?)status}.")
            {
                RetryAfter = retryAfter?.Delta,
            };
        }
    }
}
