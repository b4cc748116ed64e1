using System.Net;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Microsoft.Extensions.Options;
using Refit;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// The back-channel calls of the VNeID authorization-code flow (docs/upstreams.md, "VNeID sign-in"), to the
/// endpoints the discovery document names (absolute URLs, hence Refit's <c>[Url]</c>). Registered without
/// <c>safeToRetry</c>: a code is good for one exchange, a second one fails with <c>invalid_grant</c>, so the
/// exchange is sent once; userinfo is a GET, which the pipeline retries anyway.
/// </summary>
internal interface IVneIdApi
{
    [Post("")]
    Task<IApiResponse<VneIdTokenResponse>> ExchangeCodeAsync(
        [Url] Uri tokenEndpoint, [Body(BodySerializationMethod.UrlEncoded)] VneIdCodeGrant grant, CancellationToken cancellationToken);

    [Get("")]
    Task<IApiResponse<VneIdUserInfo>> GetUserInfoAsync([Url] Uri userInfoEndpoint, [Authorize] string accessToken, CancellationToken cancellationToken);
}

/// <summary>Gives the answers of <see cref="IVneIdApi"/> their meaning for the sign-in.</summary>
internal sealed class VneIdClient(IVneIdApi api, IOptions<IdentityOptions> options)
{
    public const string Upstream = "vneid";

    /// <summary>The HTTP client behind <see cref="IVneIdApi"/> (its resilience pipeline), by which discovery and the keys are read too.</summary>
    public static readonly string HttpClientName = typeof(IVneIdApi).FullName!;

    /// <summary>Exchanges the code (with the PKCE verifier) at the discovered token endpoint for an access token and an id_token.</summary>
    public async Task<VneIdTokenResponse> ExchangeCodeAsync(Uri tokenEndpoint, string code, string codeVerifier, CancellationToken cancellationToken)
    {
        var o = options.Value.VneId;
        using var response = await api.ExchangeCodeAsync(
            tokenEndpoint, new VneIdCodeGrant("authorization_code", code, o.RedirectUri, o.ClientId, o.ClientSecret, codeVerifier), cancellationToken);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized)
        {
            var error = ErrorCode(response);
            throw new VneIdSignInException(
                error == "invalid_grant" ? "invalid_grant" : VneIdSignInException.Failed,
                $"The token endpoint answered HTTP {(int?)response.StatusCode} with error '{error}'.");
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"The VNeID token endpoint answered HTTP {(int?)response.StatusCode}.");
        }

        var body = Read(response, "token");
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
        using var response = await api.GetUserInfoAsync(userInfoEndpoint, accessToken, cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, $"The userinfo endpoint answered HTTP {(int?)response.StatusCode}.");
        }

        return Read(response, "userinfo") ?? throw new UpstreamErrorException(Upstream, "The VNeID userinfo endpoint answered null.");
    }

    /// <summary>The OAuth error code of a refused exchange, when it is a plain code (it ends up in a URL and a log).</summary>
    private static string ErrorCode(IApiResponse<VneIdTokenResponse> response) =>
        response.Error is null && response.Content?.Error is { Length: > 0 and <= 64 } error && error.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? error
            : "unknown";

    private static T? Read<T>(IApiResponse<T> response, string what) =>
        response.Error is { } error
            ? throw new UpstreamErrorException(Upstream, $"The VNeID {what} endpoint answered something that is not the expected JSON.", inner: error.InnerException)
            : response.Content;
}

/// <summary>
/// A sign-in that ends on the return URL with <see cref="Code"/> as its <c>error</c> parameter rather than with a
/// problem-details answer: the broker catches it inside the callback, so it never reaches the host.
/// </summary>
internal sealed class VneIdSignInException(string error, string reason) : Exception(reason)
{
    /// <summary>Whatever went wrong that the citizen cannot act on.</summary>
    public const string Failed = "sign_in_failed";

    /// <summary>The OAuth-style error the return URL gets (<see cref="Failed"/>, <c>invalid_grant</c>).</summary>
    public string Code { get; } = error;
}

/// <summary>The token endpoint's answer: the tokens, or an OAuth error (RFC 6749, 5.2) when it refuses the code.</summary>
internal sealed record VneIdTokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("id_token")] string? IdToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn,
    [property: JsonPropertyName("error")] string? Error);

internal sealed record VneIdCodeGrant(
    [property: AliasAs("grant_type")] string GrantType,
    [property: AliasAs("code")] string Code,
    [property: AliasAs("redirect_uri")] string RedirectUri,
    [property: AliasAs("client_id")] string ClientId,
    [property: AliasAs("client_secret")] string ClientSecret,
    [property: AliasAs("code_verifier")] string CodeVerifier);

/// <summary>The userinfo claims (names fixed in docs/upstreams.md, "VNeID sign-in"; <c>MucDoDinhDanh</c> arrives as a string).</summary>
internal sealed record VneIdUserInfo(
    [property: JsonPropertyName("sub")] string? Subject,
    [property: JsonPropertyName("SoDinhDanh")] string? IdNumber,
    [property: JsonPropertyName("HoVaTen")] string? FullName,
    [property: JsonPropertyName("NgayThangNamSinh")] string? DateOfBirth,
    [property: JsonPropertyName("SoDienThoai")] string? PhoneNumber,
    [property: JsonPropertyName("LoaiTaiKhoan")] string? AccountType,
    [property: JsonPropertyName("MucDoDinhDanh"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] int? IdentityLevel);
