using System.Net;
using Integration.Connectors.Telco.Carriers;
using Integration.Connectors.Telco.Portability;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco;

/// <summary>
/// The Telco connector's probe, one harmless call per upstream, sent outside the resilience pipeline
/// so a probe never moves a circuit:
/// <list type="bullet">
/// <item><c>mnp</c>: the portability lookup of <see cref="MnpOptions.ProbeMsisdn"/>, a reserved number
/// (an answer of 200 or 404 is healthy).</item>
/// <item><c>vnpt</c>: a client-credentials token (healthy when one is issued; it is not kept).</item>
/// <item><c>viettel</c>, <c>mobifone</c>: their contracts have no call without a citizen in it, and an
/// ownership check is billed and audited at the carrier, so the probe only asks for the service's
/// address with GET: any answer below 500 shows the service is up.</item>
/// </list>
/// </summary>
internal sealed class TelcoProbe(IHttpClientFactory factory, IOptions<TelcoOptions> options, TimeProvider time) : IConnectorProbe
{
    public const string HttpClientName = "Telco.Probe";

    public string Connector => SubscriberOwnershipChecker.Connector;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var results = await Task.WhenAll(
            ProbeOneAsync(MnpClient.Upstream, o.Mnp.BaseUrl!, () => new HttpRequestMessage(HttpMethod.Get, "v1/numbers/" + o.Mnp.ProbeMsisdn),
                r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound, cancellationToken),
            ProbeOneAsync(ViettelClient.Upstream, o.Viettel.BaseUrl!, () => new HttpRequestMessage(HttpMethod.Get, "v1/subscribers/ownership"),
                r => (int)r.StatusCode < 500, cancellationToken),
            ProbeOneAsync(VnptClient.Upstream, o.Vnpt.BaseUrl!, () => ClientCredentialsProbe.Request(TelcoServiceCollectionExtensions.VnptToken, o.Vnpt.Credentials),
                r => r.IsSuccessStatusCode, cancellationToken),
            ProbeOneAsync(MobifoneClient.Upstream, o.Mobifone.BaseUrl!, () => new HttpRequestMessage(HttpMethod.Get, "SubscriberService"),
                r => (int)r.StatusCode < 500, cancellationToken));
        return results;
    }

    private async Task<UpstreamProbeResult> ProbeOneAsync(
        string upstream, string baseUrl, Func<HttpRequestMessage> build, Func<HttpResponseMessage, bool> healthy, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(options.Value.ProbeTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var http = factory.CreateClient(HttpClientName);
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute);
            using var request = build();
            using var response = await http.SendAsync(request, linked.Token);
            var ok = healthy(response);
            return new UpstreamProbeResult(upstream, ok, Elapsed(started), ok ? null : $"HTTP {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new UpstreamProbeResult(upstream, false, Elapsed(started), $"no answer within {options.Value.ProbeTimeout}");
        }
        catch (HttpRequestException ex)
        {
            return new UpstreamProbeResult(upstream, false, Elapsed(started), $"connection failed ({ex.HttpRequestError})");
        }
    }

    private double Elapsed(long started) => time.GetElapsedTime(started).TotalMilliseconds;
}
