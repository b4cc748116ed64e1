using System.Net;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Integration.Core.Validation;

namespace Integration.Connectors.Telco.Carriers;

/// <summary>
/// MobiFone's ownership service (docs/upstreams.md, "Carriers", "MobiFone"): <c>POST SubscriberService</c> with
/// <c>&lt;checkOwner&gt;&lt;isdn&gt;</c> (9 digits, without 84 or 0) and <c>&lt;idNo&gt;</c>.
/// <c>resultCode</c> 2 (system busy) reaches this class as HTTP 503 (see <see cref="MobifoneBusyHandler"/>),
/// so the pipeline has retried it and counted it against MobiFone's circuit.
/// </summary>
internal sealed class MobifoneClient(HttpClient http)
{
    public const string Upstream = "mobifone";

    public async Task<CarrierAnswer> CheckAsync(PhoneNumber phone, CitizenIdNumber idNumber, CancellationToken cancellationToken)
    {
        var xml = new XElement("checkOwner", new XElement("isdn", phone.Subscriber), new XElement("idNo", idNumber.Value))
            .ToString(SaveOptions.DisableFormatting);
        using var request = new HttpRequestMessage(HttpMethod.Post, "SubscriberService")
        {
            Content = new StringContent(xml, Encoding.UTF8, "text/xml"),
        };
        request.MarkSafeToRetry();

        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable
            && MobifoneXml.Read(await response.Content.ReadAsStringAsync(cancellationToken)) is { ResultCode: MobifoneXml.Busy })
        {
            throw new UpstreamUnavailableException(Upstream, "MobiFone's system is busy (resultCode 2).");
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"MobiFone answered HTTP {(int)response.StatusCode}.");
        }

        var answer = MobifoneXml.Read(await response.Content.ReadAsStringAsync(cancellationToken))
            ?? throw new UpstreamErrorException(Upstream, "MobiFone answered with a body that is not a checkOwnerResponse.");
        return answer switch
        {
            { ResultCode: "0", Owner: "1" } => new CarrierAnswer(SubscriberOwnership.Owner),
            { ResultCode: "0", Owner: "0" } => new CarrierAnswer(SubscriberOwnership.NotOwner),
            { ResultCode: "0" } => throw new UpstreamErrorException(Upstream, "MobiFone answered resultCode 0 without owner 1 or 0."),
            { ResultCode: "1" } => new CarrierAnswer(SubscriberOwnership.Unregistered),
            _ => throw new UpstreamErrorException(Upstream, $"MobiFone answered resultCode {answer.ResultCode?[..Math.Min(answer.ResultCode.Length, 8)] ?? "(none)"}."),
        };
    }
}

/// <summary>
/// Turns MobiFone's "system busy" (<c>resultCode</c> 2 in an HTTP 200) into HTTP 503 inside each
/// attempt, so the resilience pipeline retries it and its circuit counts it like any transient
/// failure. Sits inside the resilience handler, next to the network.
/// </summary>
internal sealed class MobifoneBusyHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (MobifoneXml.Read(text) is not { ResultCode: MobifoneXml.Busy })
        {
            return response;
        }

        var busy = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            RequestMessage = response.RequestMessage,
            Version = response.Version,
            ReasonPhrase = "MobiFone system busy",
            Content = new StringContent(text, Encoding.UTF8, "text/xml"),
        };
        response.Dispose();
        return busy;
    }
}

/// <summary>Reads MobiFone's <c>checkOwnerResponse</c>, by local names (a SOAP envelope around it is tolerated).</summary>
internal static class MobifoneXml
{
    public const string Busy = "2";

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = 1_000_000,
    };

    public sealed record Answer(string? ResultCode, string? Owner);

    /// <summary>The answer's fields, or null when the text is not XML holding a <c>checkOwnerResponse</c>.</summary>
    public static Answer? Read(string text)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), Settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }

        var root = document.Descendants().FirstOrDefault(e => e.Name.LocalName == "checkOwnerResponse");
        if (root is null)
        {
            return null;
        }

        string? Field(string name) => root.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim();
        return new Answer(Field("resultCode"), Field("owner"));
    }
}
