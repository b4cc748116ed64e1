using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco.Carriers;

internal sealed record VnptTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

/// <summary>The HTTP client of VNPT's token endpoint (same upstream and resilience pipeline as the checks, no credential handler).</summary>
internal sealed class VnptTokenEndpoint(HttpClient http)
{
    public HttpClient Http => http;
}

/// <summary>
/// VNPT's client-credentials token for Core's credential handler: one per instance, fetched once for all
/// concurrent callers, kept until <see cref="VnptOptions.TokenRefreshMargin"/> before it expires, renewed
/// once when VNPT answers 401.
/// </summary>
internal sealed class VnptTokenIssuer(IServiceProvider services, IOptions<TelcoOptions> options, TimeProvider time, ILogger<VnptTokenIssuer> logger)
    : ICredentialIssuer
{
    /// <summary>Assumed when VNPT's answer leaves <c>expires_in</c> out.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    public void Apply(HttpRequestMessage request, string credential) =>
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);

    public void OnRejected() => Log.VnptTokenRejected(logger);

    public async Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken)
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
        var http = services.GetRequiredService<VnptTokenEndpoint>().Http;
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
        return new UpstreamCredential(body.AccessToken, time.GetUtcNow() + keep);
    }
}
