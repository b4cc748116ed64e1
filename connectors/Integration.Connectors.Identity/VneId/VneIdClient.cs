using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.VneId;

/// <summary>The back-channel calls of the VNeID authorization-code flow (docs/upstreams.md, "VNeID sign-in").</summary>
internal sealed class VneIdClient(HttpClient http, IOptions<IdentityOptions> options)
{
    public const string Upstream = "vneid";

    /// <summary>Exchanges the code (with the PKCE verifier) at the discovered token endpoint for an access token and an id_token.</summary>
    public async Task<VneIdTokenResponse> ExchangeCodeAsync(Uri tokenEndpoint, string code, string codeVerifier, CancellationToken cancellationToken)
    {
        var o = options.Value.VneId;
        // Not marked safe to retry: a code is good for one exchange, a second one fails with invalid_grant.
        using var request = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"),
                new("code", code),
                new("redirect_uri", o.RedirectUri),
                new("client_id", o.ClientId),
                new("client_secret", o.ClientSecret),
                new("code_verifier", codeVerifier),
            ]),
        };
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
        {
            var error = await ReadErrorAsync(response, cancellationToken);
            throw new VneIdSignInException(
                error == "invalid_grant" ? "invalid_grant" : VneIdSignInException.Failed,
                $"The token endpoint answered HTTP {(int)response.StatusCode} with error '{error}'.");
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"The VNeID token endpoint answered HTTP {(int)response.StatusCode}.");
        }

        var body = await ReadJsonAsync(response, IdentityJsonContext.Default.VneIdTokenResponse, "token", cancellationToken);
        if (string.IsNullOrWhiteSpace(body?.AccessToken)
            || (body.TokenType is { } type && !type.Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
        {
            throw new UpstreamErrorException(Upstream, "The VNeID token endpoint answered without a bearer access_token.");
        }

        if (string.IsNullOrWhiteSpace(body.IdToken))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The token endpoint answered without an id_token.");
        }

        return body;
    }

    /// <summary>Reads the signed-in citizen's claims at the discovered userinfo endpoint.</summary>
    public async Task<VneIdUserInfo> GetUserInfoAsync(Uri userInfoEndpoint, string accessToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, userInfoEndpoint);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await http.SendAsync(request, cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, $"The userinfo endpoint answered HTTP {(int)response.StatusCode}.");
        }

        return await ReadJsonAsync(response, IdentityJsonContext.Default.VneIdUserInfo, "userinfo", cancellationToken)
            ?? throw new UpstreamErrorException(Upstream, "The VNeID userinfo endpoint answered null.");
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync(IdentityJsonContext.Default.VneIdErrorResponse, cancellationToken);
            return body?.Error is { Length: > 0 and <= 64 } error && error.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? error : "unknown";
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            return "unknown";
        }
    }

    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
            throw new UpstreamErrorException(Upstream, $"The VNeID {what} endpoint answered something that is not the expected JSON.", inner: ex);
        }
    }
}

/// <summary>
/// A sign-in that ends on the return URL with <see cref="GatewayProblemException.Code"/> as its
/// <c>error</c> parameter rather than with a problem-details answer.
/// </summary>
internal sealed class VneIdSignInException(string error, string reason)
    : GatewayProblemException(502, error, "The VNeID sign-in failed.", reason)
{
    /// <summary>Whatever went wrong that the citizen cannot act on.</summary>
    public const string Failed = "sign_in_failed";
}

internal sealed record VneIdTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("id_token")] string? IdToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

internal sealed record VneIdErrorResponse(
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("error_description")] string? ErrorDescription);

/// <summary>The userinfo claims (names fixed in docs/upstreams.md, "VNeID sign-in"; <c>MucDoDinhDanh</c> arrives as a string).</summary>
internal sealed record VneIdUserInfo(
    [property: JsonPropertyName("sub")] string? Subject,
    [property: JsonPropertyName("SoDinhDanh")] string? IdNumber,
    [property: JsonPropertyName("HoVaTen")] string? FullName,
    [property: JsonPropertyName("NgayThangNamSinh")] string? DateOfBirth,
    [property: JsonPropertyName("SoDienThoai")] string? PhoneNumber,
    [property: JsonPropertyName("LoaiTaiKhoan")] string? AccountType,
    [property: JsonPropertyName("MucDoDinhDanh"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] int? IdentityLevel);
