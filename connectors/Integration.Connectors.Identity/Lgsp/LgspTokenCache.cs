using Integration.Core.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.Lgsp;

/// <summary>
/// Keeps this instance's LGSP token until shortly before it expires (one request at a time fetches
/// a new one; the others wait for it), and drops it when C06 refuses it. A token is an instance's
/// own credential, not shared state: each instance holding its own is correct.
/// </summary>
internal sealed class LgspTokenCache(
    IOptions<IdentityOptions> options,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<LgspTokenCache> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Entry? _current;

    /// <summary>The current token, or a new one from <paramref name="client"/> when there is none or it is about to expire.</summary>
    public async Task<string> GetAsync(LgspTokenClient client, CancellationToken cancellationToken)
    {
        if (_current is { } fresh && fresh.RefreshAt > time.GetUtcNow())
        {
            return fresh.AccessToken;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } other && other.RefreshAt > time.GetUtcNow())
            {
                return other.AccessToken;
            }

            var token = await telemetry.TrackAsync(IdentityServiceCollectionExtensions.Connector, "lgsp_token", client.RequestAsync, cancellationToken);
            var refreshAfter = RefreshAfter(token.Lifetime, options.Value.Lgsp.RefreshBeforeExpiry);
            _current = new Entry(token.AccessToken, time.GetUtcNow() + refreshAfter);
            Log.LgspTokenIssued(logger, token.Lifetime, refreshAfter);
            return token.AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets <paramref name="accessToken"/> after an upstream refused it. Only that token: when several
    /// calls see the same 401, the first one's replacement is kept, not thrown away again.
    /// </summary>
    public void Reject(string accessToken)
    {
        var current = _current;
        if (current is not null && current.AccessToken == accessToken)
        {
            Interlocked.CompareExchange(ref _current, null, current);
        }
    }

    internal static TimeSpan RefreshAfter(TimeSpan lifetime, TimeSpan margin) =>
        lifetime > 2 * margin ? lifetime - margin : lifetime / 2;

    public void Dispose() => _gate.Dispose();

    private sealed record Entry(string AccessToken, DateTimeOffset RefreshAt);
}
