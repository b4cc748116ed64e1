namespace Integration.Core.Resilience;

/// <summary>Per-request marks the resilience pipeline reads (through the request options).</summary>
public static class UpstreamRequestOptions
{
    /// <summary>
    /// The request option <see cref="MarkSafeToRetry"/> sets (to <see langword="true"/>), for clients that build their
    /// requests themselves: a Refit client of read-only calls lists it in <c>RefitSettings.HttpRequestMessageOptions</c>.
    /// </summary>
    public const string SafeToRetryOption = "Integration.SafeToRetry";

    internal static readonly HttpRequestOptionsKey<bool> SafeToRetryKey = new(SafeToRetryOption);

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

    internal static readonly HttpRequestOptionsKey<bool> ProbeKey = new("Integration.Probe");

    /// <summary>
    /// Marks an active health probe: it is sent once, bounded by the attempt timeout, outside the retry
    /// and circuit breaker, and not counted in the upstream's figures, so probes never trip a circuit
    /// and still reach an upstream whose circuit is open or isolated.
    /// </summary>
    public static HttpRequestMessage MarkAsProbe(this HttpRequestMessage request)
    {
        request.Options.Set(ProbeKey, true);
        return request;
    }

    internal static bool IsProbe(HttpRequestMessage request) => request.Options.TryGetValue(ProbeKey, out var probe) && probe;

    internal static bool IsMarkedSafeToRetry(HttpRequestMessage request) => request.Options.TryGetValue(SafeToRetryKey, out var safe) && safe;
}
