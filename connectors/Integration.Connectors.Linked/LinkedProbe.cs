using Integration.Connectors.Linked.Upstreams;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Linked;

/// <summary>
/// The cheapest harmless call per upstream, outside the resilience pipeline: LGSP issues a token (no side
/// effect; the token is not kept). The four national systems offer no read-only operation without a
/// citizen's data, so each is probed by whether its base URL answers HTTP at all (any status below 500 is
/// up): that shows the link and the platform route, not that a registration would succeed.
/// </summary>
internal sealed class LinkedProbe(IHttpClientFactory httpClients, IOptions<LinkedOptions> options, TimeProvider time) : IConnectorProbe
{
    public const string HttpClientName = "Linked.Probe";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public string Connector => LinkedServiceCollectionExtensions.ConnectorName;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        return await Task.WhenAll(
            ProbeOneAsync(TokenEndpoint.LgspUpstream, o.Lgsp.BaseUrl, () => ClientCredentialsProbe.Request(TokenEndpoint.Lgsp(Connector), o.Lgsp), mustSucceed: true, cancellationToken),
            ProbeOneAsync(LinkedSystems.CivilRegistry, o.CivilRegistry.BaseUrl, () => new HttpRequestMessage(HttpMethod.Get, ""), false, cancellationToken),
            ProbeOneAsync(LinkedSystems.Residence, o.Residence.BaseUrl, () => new HttpRequestMessage(HttpMethod.Get, ""), false, cancellationToken),
            ProbeOneAsync(LinkedSystems.SocialInsurance, o.SocialInsurance.BaseUrl, () => new HttpRequestMessage(HttpMethod.Get, ""), false, cancellationToken),
            ProbeOneAsync(LinkedSystems.SocialAffairs, o.SocialAffairs.BaseUrl, () => new HttpRequestMessage(HttpMethod.Get, ""), false, cancellationToken));
    }

    private async Task<UpstreamProbeResult> ProbeOneAsync(
        string upstream, string baseUrl, Func<HttpRequestMessage> build, bool mustSucceed, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string? error;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var http = httpClients.CreateClient(HttpClientName);
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            using var request = build();
            try
            {
                using var response = await http.SendAsync(request, linked.Token);
                var code = (int)response.StatusCode;
                error = (mustSucceed ? response.IsSuccessStatusCode : code < 500) ? null : $"answered HTTP {code}";
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                error = $"did not answer within {Timeout.TotalSeconds:0} s";
            }
        }
        catch (HttpRequestException ex)
        {
            error = $"could not be reached ({ex.HttpRequestError})";
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = $"failed ({ex.GetType().Name})";
        }

        return new UpstreamProbeResult(upstream, error is null, time.GetElapsedTime(started).TotalMilliseconds, error);
    }
}
