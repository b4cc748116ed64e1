namespace Integration.Core.Resilience;

/// <summary>Per-request marks the resilience handler reads.</summary>
public static class UpstreamRequestOptions
{
    internal static readonly HttpRequestOptionsKey<bool> SafeToRetryKey = new("Integration.SafeToRetry");

    /// <summary>
    /// Marks an unsafe-method request (POST, PUT, PATCH, DELETE) as safe to send again: it carries an
    /// idempotency key the upstream honours, or it is a read-only operation sent as POST (the C06 check).
    /// Without this mark such a request is sent exactly once.
    /// </summary>
    public static HttpRequestMessage MarkSafeToRetry(this HttpRequestMessage request)
    {
        request.Options.Set(SafeToRetryKey, true);
        return request;
    }

    internal static bool IsSafeToRetry(HttpRequestMessage request) =>
        request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options
        || request.Method == HttpMethod.Trace
        || (request.Options.TryGetValue(SafeToRetryKey, out var safe) && safe);
}
