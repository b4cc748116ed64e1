using Integration.Connectors.Identity.Citizens;
using Integration.Connectors.Identity.VneId;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity;

/// <summary>
/// The cheapest harmless call to each upstream, sent outside the resilience pipeline so a probe never
/// trips a circuit: LGSP issues a token (client credentials, no side effect; the token is not kept);
/// C06 has no lookup without a citizen's data, so its WSDL is read (<c>GET …/XacThucCongDan?wsdl</c>),
/// which shows the service answers but not that a check would succeed; VNeID serves its OpenID
/// Connect discovery document.
/// </summary>
internal sealed class IdentityProbe(
    IHttpClientFactory httpClients,
    IOptions<IdentityOptions> options,
    TimeProvider time,
    ILogger<IdentityProbe> logger) : IConnectorProbe
{
    public const string HttpClientName = "Identity.Probe";

    public string Connector => IdentityServiceCollectionExtensions.Connector;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var results = await Task.WhenAll(
            ProbeOneAsync(TokenEndpoint.LgspUpstream, o.Lgsp.BaseUrl, "token", () => ClientCredentialsProbe.Request(TokenEndpoint.Lgsp(Connector), o.Lgsp),
                ClientCredentialsProbe.CheckAsync, cancellationToken),
            ProbeOneAsync(C06Client.Upstream, o.C06.BaseUrl, "wsdl", () => new HttpRequestMessage(HttpMethod.Get, C06Client.Path + "?wsdl"), null, cancellationToken),
            ProbeOneAsync(VneIdClient.Upstream, o.VneId.BaseUrl, "discovery", () => new HttpRequestMessage(HttpMethod.Get, ".well-known/openid-configuration"), null, cancellationToken));
        return results;
    }

    private async Task<UpstreamProbeResult> ProbeOneAsync(
        string upstream,
        string baseUrl,
        string what,
        Func<HttpRequestMessage> build,
        Func<HttpResponseMessage, CancellationToken, Task<string?>>? check,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string? error;
        try
        {
            using var timeout = new CancellationTokenSource(options.Value.ProbeTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var http = httpClients.CreateClient(HttpClientName);
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            using var request = build();
            try
            {
                using var response = await http.SendAsync(request, linked.Token);
                error = response.IsSuccessStatusCode
                    ? check is null ? null : await check(response, linked.Token)
                    : $"{what} answered HTTP {(int)response.StatusCode}";
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"{what} did not answer within {options.Value.ProbeTimeout}";
            }
        }
        catch (HttpRequestException ex)
        {
            error = $"{what} could not be reached ({ex.HttpRequestError})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = $"{what} failed ({ex.GetType().Name})";
        }

        if (error is not null)
        {
            Log.ProbeFailed(logger, upstream, error);
        }

        return new UpstreamProbeResult(upstream, error is null, time.GetElapsedTime(started).TotalMilliseconds, error);
    }
}
