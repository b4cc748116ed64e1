using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Linked.Lgsp;

// The smallest LGSP client-credentials token client the linked procedures need, kept in this one file on
// purpose: when Core offers one shared credential handler, this file is deleted and the four upstream
// clients take their bearer token from it instead (LinkedApiClient.SendAsync is the only caller).

/// <summary>Requests an LGSP token (typed client, behind the connector's resilience pipeline).</summary>
internal sealed class LinkedLgspTokenClient(HttpClient http, IOptions<LinkedOptions> options)
{
    public const string Upstream = "lgsp";

    public async Task<(string AccessToken, TimeSpan Lifetime)> RequestAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Lgsp;
        using var request = new HttpRequestMessage(HttpMethod.Post, "token")
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", o.ClientId),
                new("client_secret", o.ClientSecret),
            ]),
        };

        // A client-credentials grant changes nothing at LGSP: sending it again is harmless.
        request.MarkSafeToRetry();
        using var response = await http.SendAsync(request, cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UpstreamErrorException(Upstream,
                $"LGSP refused the gateway's client credentials (HTTP {(int)response.StatusCode}); check Connectors:Linked:Lgsp:ClientId and ClientSecret.");
        }

        JsonNode? body = null;
        try
        {
            body = response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) : null;
        }
        catch (JsonException)
        {
        }

        var token = body?["access_token"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new UpstreamErrorException(Upstream, $"LGSP answered the token request with HTTP {(int)response.StatusCode} and no access_token.");
        }

        var seconds = body?["expires_in"] is JsonValue e && e.TryGetValue<long>(out var n) && n > 0 ? n : 300;
        return (token, TimeSpan.FromSeconds(seconds));
    }
}

/// <summary>
/// This instance's LGSP token, kept until shortly before it expires (one caller fetches, the others wait)
/// and dropped when an upstream refuses it with 401.
/// </summary>
internal sealed class LinkedLgspTokens(IServiceProvider services, IOptions<LinkedOptions> options, ConnectorTelemetry telemetry, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Entry? _current;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
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

            var client = (LinkedLgspTokenClient)services.GetService(typeof(LinkedLgspTokenClient))!;
            var (token, lifetime) = await telemetry.TrackAsync(LinkedServiceCollectionExtensions.ConnectorName, "lgsp_token", client.RequestAsync, cancellationToken);
            var margin = options.Value.Lgsp.RefreshBeforeExpiry;
            _current = new Entry(token, time.GetUtcNow() + (lifetime > 2 * margin ? lifetime - margin : lifetime / 2));
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="accessToken"/> (and only it) after an upstream refused it.</summary>
    public void Reject(string accessToken)
    {
        var current = _current;
        if (current is not null && current.AccessToken == accessToken)
        {
            Interlocked.CompareExchange(ref _current, null, current);
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record Entry(string AccessToken, DateTimeOffset RefreshAt);
}
