using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco.Carriers;

internal sealed record VnptTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

/// <summary>
/// VNPT's client-credentials token, shared by every check of this instance: fetched once for all
/// concurrent callers, kept until <see cref="VnptOptions.TokenRefreshMargin"/> before it expires, and
/// dropped when VNPT refuses it (the caller then asks for a fresh one, once).
/// </summary>
internal sealed class VnptTokenCache(IOptions<TelcoOptions> options, TimeProvider time, ILogger<VnptTokenCache> logger) : IDisposable
{
    /// <summary>Assumed when VNPT's answer leaves <c>expires_in</c> out.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _fetch = new(1, 1);
    private Token? _current;

    /// <summary>A valid token; a new one when the cached one is <paramref name="rejected"/> or due for renewal.</summary>
    public async Task<string> GetAsync(HttpClient http, string? rejected, CancellationToken cancellationToken)
    {
        if (Usable(_current, rejected) is { } cached)
        {
            return cached;
        }

        await _fetch.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have renewed it while this one waited.
            if (Usable(_current, rejected) is { } renewed)
            {
                return renewed;
            }

            _current = await FetchAsync(http, cancellationToken);
            return _current.Value;
        }
        finally
        {
            _fetch.Release();
        }
    }

    public void Dispose() => _fetch.Dispose();

    private string? Usable(Token? token, string? rejected) =>
        token is not null && token.Value != rejected && token.RenewAt > time.GetUtcNow() ? token.Value : null;

    private async Task<Token> FetchAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var o = options.Value.Vnpt;
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "client_credentials"),
                new("client_id", o.ClientId!),
                new("client_secret", o.ClientSecret!),
            ]),
        };

        // Asking for a token twice only leaves VNPT with one more token: safe to retry.
        request.MarkSafeToRetry();
        using var response = await http.SendAsync(request, cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, VnptClient.Upstream);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UpstreamErrorException(VnptClient.Upstream, $"VNPT refused the gateway's client credentials (HTTP {(int)response.StatusCode}); check Connectors:Telco:Vnpt:ClientId and ClientSecret.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(VnptClient.Upstream, $"VNPT's token endpoint answered HTTP {(int)response.StatusCode}.");
        }

        VnptTokenResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(TelcoJsonContext.Default.VnptTokenResponse, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new UpstreamErrorException(VnptClient.Upstream, "VNPT's token endpoint answered with a body that is not the expected JSON.", inner: ex);
        }

        if (string.IsNullOrWhiteSpace(body?.AccessToken))
        {
            throw new UpstreamErrorException(VnptClient.Upstream, "VNPT's token endpoint answered without an access_token.");
        }

        var lifetime = body.ExpiresIn is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : DefaultLifetime;
        var keep = lifetime >= 2 * o.TokenRefreshMargin ? lifetime - o.TokenRefreshMargin : lifetime / 2;
        Log.VnptTokenFetched(logger, lifetime);
        return new Token(body.AccessToken, time.GetUtcNow() + keep);
    }

    private sealed record Token(string Value, DateTimeOffset RenewAt);
}
