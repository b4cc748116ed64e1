using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Refit;

namespace Integration.Core.Http;

/// <summary>
/// A connector's account at an OAuth 2.0 client-credentials token endpoint, as its configuration holds it:
/// the LGSP token (<c>Connectors:Identity:Lgsp</c>, <c>Connectors:Linked:Lgsp</c>; docs/upstreams.md,
/// "Integration platform token (LGSP)").
/// </summary>
public sealed class ClientCredentialsOptions
{
    /// <summary>Base URL of the token service (may carry a path prefix); LGSP's token is requested at <c>{BaseUrl}/token</c>. Required.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The gateway's client id. Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Its secret. Required; never logged.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>
    /// A token is replaced this long before it expires, so that no call leaves with a token about to lapse in
    /// flight. For tokens that live less than twice this, half their lifetime is used instead.
    /// </summary>
    /// <value>1 minute.</value>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Where a connector asks for its client-credentials token: <c>POST {BaseUrl}/{Path}</c> of
/// <paramref name="Upstream"/> (its own resilience pipeline and health figures), configured under
/// <paramref name="SettingsKey"/> (named in errors, e.g. <c>Connectors:Identity:Lgsp</c>).
/// </summary>
public sealed record TokenEndpoint(string Connector, string Upstream, string Path, string SettingsKey)
{
    /// <summary>The LGSP token endpoint of <paramref name="connector"/>, configured under <c>Connectors:{connector}:Lgsp</c>.</summary>
    public static TokenEndpoint Lgsp(string connector) => new(connector, LgspUpstream, "token", $"Connectors:{connector}:Lgsp");

    /// <summary>The integration platform's name as operators see it.</summary>
    public const string LgspUpstream = "lgsp";

    /// <summary>The credential (and token client) key: one per connector and token endpoint.</summary>
    internal string Name => $"{Connector}.{Upstream}.token";
}

public static class ClientCredentialsHttpClientBuilderExtensions
{
    /// <summary>
    /// Puts a bearer token from <paramref name="endpoint"/> on every request of the client, through Core's
    /// credential handler: fetched once for all concurrent callers, kept until
    /// <see cref="ClientCredentialsOptions.RefreshBeforeExpiry"/> before it expires, renewed once when the
    /// upstream answers 401. The clients of a connector that name the same endpoint share one token. The token
    /// request is read-only at the upstream, so the pipeline may retry it.
    /// </summary>
    public static IHttpClientBuilder AddClientCredentialsToken(
        this IHttpClientBuilder builder,
        TokenEndpoint endpoint,
        Func<IServiceProvider, ClientCredentialsOptions> options)
    {
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(CredentialCache) && Equals(d.ServiceKey, endpoint.Name)))
        {
            services.AddUpstreamRefitClient<ITokenEndpointApi>(
                endpoint.Connector, endpoint.Upstream, TokenJsonContext.Default, sp => options(sp).BaseUrl, safeToRetry: true, key: endpoint.Name);
        }

        return builder.AddCredentialHandler(endpoint.Name, sp => new ClientCredentialsTokenIssuer(
            endpoint,
            () => options(sp),
            sp,
            sp.GetRequiredService<ConnectorTelemetry>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClientCredentialsTokenIssuer>>()));
    }

    /// <summary>Puts the connector's LGSP token on every request (<see cref="TokenEndpoint.Lgsp"/>).</summary>
    public static IHttpClientBuilder AddLgspToken(this IHttpClientBuilder builder, string connector, Func<IServiceProvider, ClientCredentialsOptions> options) =>
        builder.AddClientCredentialsToken(TokenEndpoint.Lgsp(connector), options);
}

/// <summary>
/// A connector probe's token request: the same grant as the credential handler's, sent by the probe's own
/// client outside the resilience pipeline; the token is not kept.
/// </summary>
public static class ClientCredentialsProbe
{
    /// <summary>The token request of <paramref name="endpoint"/>, relative to <see cref="ClientCredentialsOptions.BaseUrl"/>.</summary>
    public static HttpRequestMessage Request(TokenEndpoint endpoint, ClientCredentialsOptions options) => new(HttpMethod.Post, endpoint.Path)
    {
        Content = new FormUrlEncodedContent(
        [
            new("grant_type", "client_credentials"),
            new("client_id", options.ClientId),
            new("client_secret", options.ClientSecret),
        ]),
    };

    /// <summary>Null when a successful answer holds an access token, otherwise what is wrong with it.</summary>
    public static async Task<string?> CheckAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var body = await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.TokenAnswer, cancellationToken);
            return string.IsNullOrWhiteSpace(body?.AccessToken) ? "token answered without an access_token" : null;
        }
        catch (JsonException)
        {
            return "token answered something that is not the expected JSON";
        }
    }
}

/// <summary>An OAuth 2.0 token endpoint (RFC 6749, 4.4: client credentials grant).</summary>
internal interface ITokenEndpointApi
{
    [Post("/{**path}")]
    Task<IApiResponse<TokenAnswer>> RequestTokenAsync(string path, [Body(BodySerializationMethod.UrlEncoded)] ClientCredentialsGrant grant, CancellationToken cancellationToken);
}

internal sealed record ClientCredentialsGrant(
    [property: AliasAs("grant_type")] string GrantType,
    [property: AliasAs("client_id")] string ClientId,
    [property: AliasAs("client_secret")] string ClientSecret);

internal sealed record TokenAnswer(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("token_type")] string? TokenType,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

[JsonSerializable(typeof(TokenAnswer))]
internal sealed partial class TokenJsonContext : JsonSerializerContext;

/// <summary>
/// Issues one connector's client-credentials bearer token for Core's credential handler. 400, 401 and 403
/// on the token request mean the gateway's credentials are wrong: an <see cref="UpstreamErrorException"/>
/// naming the settings.
/// </summary>
internal sealed class ClientCredentialsTokenIssuer(
    TokenEndpoint endpoint,
    Func<ClientCredentialsOptions> options,
    IServiceProvider services,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<ClientCredentialsTokenIssuer> logger) : ICredentialIssuer
{
    /// <summary>Assumed when the answer leaves <c>expires_in</c> out.</summary>
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    public async Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken)
    {
        var (token, lifetime) = await telemetry.TrackAsync(endpoint.Connector, endpoint.Upstream + "_token", RequestAsync, cancellationToken);
        var refreshAfter = RefreshAfter(lifetime, options().RefreshBeforeExpiry);
        Log.TokenIssued(logger, endpoint.Connector, endpoint.Upstream, lifetime, refreshAfter);
        return new UpstreamCredential(token, time.GetUtcNow() + refreshAfter);
    }

    public ValueTask ApplyAsync(HttpRequestMessage request, string credential, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return ValueTask.CompletedTask;
    }

    public void OnRejected(HttpRequestMessage request) => Log.TokenRejected(logger, endpoint.Connector, endpoint.Upstream);

    internal static TimeSpan RefreshAfter(TimeSpan lifetime, TimeSpan margin) =>
        lifetime > 2 * margin ? lifetime - margin : lifetime / 2;

    private async Task<(string Token, TimeSpan Lifetime)> RequestAsync(CancellationToken cancellationToken)
    {
        var o = options();
        var upstream = endpoint.Upstream;
        var api = services.GetRequiredKeyedService<ITokenEndpointApi>(endpoint.Name);
        using var response = await api.RequestTokenAsync(endpoint.Path, new("client_credentials", o.ClientId, o.ClientSecret), cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, upstream);
        if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UpstreamErrorException(upstream,
                $"{upstream} refused the gateway's client credentials (HTTP {(int?)response.StatusCode}); check {endpoint.SettingsKey}:ClientId and {endpoint.SettingsKey}:ClientSecret.");
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(upstream, $"The {upstream} token endpoint answered HTTP {(int?)response.StatusCode}.");
        }

        if (response.Error is { } error)
        {
            throw new UpstreamErrorException(upstream, $"The {upstream} token endpoint answered with something that is not the expected JSON.", inner: error.InnerException);
        }

        var body = response.Content;
        if (string.IsNullOrWhiteSpace(body?.AccessToken)
            || (body.TokenType is { } type && !type.Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
        {
            throw new UpstreamErrorException(upstream, $"The {upstream} token endpoint answered without a bearer access_token.");
        }

        return (body.AccessToken, body.ExpiresIn is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : DefaultLifetime);
    }
}
