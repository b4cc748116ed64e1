using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.Lgsp;

/// <summary>Requests a client-credentials token from LGSP (docs/upstreams.md, "Integration platform token (LGSP)").</summary>
internal sealed class LgspTokenClient(HttpClient http, IOptions<IdentityOptions> options)
{
    public const string Upstream = "lgsp";

    /// <summary>Lifetime assumed when LGSP omits <c>expires_in</c>.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    public async Task<LgspToken> RequestAsync(CancellationToken cancellationToken)
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
                $"LGSP refused the gateway's client credentials (HTTP {(int)response.StatusCode}); check Connectors:Identity:Lgsp:ClientId and ClientSecret.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"LGSP answered the token request with HTTP {(int)response.StatusCode}.");
        }

        LgspTokenResponse? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(IdentityJsonContext.Default.LgspTokenResponse, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new UpstreamErrorException(Upstream, "LGSP answered the token request with something that is not the expected JSON.", inner: ex);
        }

        if (string.IsNullOrWhiteSpace(body?.AccessToken)
            || (body.TokenType is { } type && !type.Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
        {
            throw new UpstreamErrorException(Upstream, "LGSP answered the token request without a bearer access_token.");
        }

        var lifetime = body.ExpiresIn is > 0 ? TimeSpan.FromSeconds(body.ExpiresIn.Value) : DefaultLifetime;
        return new LgspToken(body.AccessToken, lifetime);
    }
}

/// <summary>An access token and how long LGSP said it lives.</summary>
internal sealed record LgspToken(string AccessToken, TimeSpan Lifetime);

internal sealed record LgspTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);
