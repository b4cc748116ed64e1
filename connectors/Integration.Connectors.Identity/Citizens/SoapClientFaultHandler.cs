using System.Net;

namespace Integration.Connectors.Identity.Citizens;

/// <summary>
/// SOAP 1.1 answers every fault with HTTP 500, which the resilience pipeline would retry. A
/// <c>soap:Client</c> fault says our request is wrong and will stay wrong: this handler, inside the
/// pipeline, presents it as HTTP 400 so it is neither retried nor counted against C06's circuit.
/// <c>soap:Server</c> faults stay 500 (transient). The body is left as it came for the client to read.
/// </summary>
internal sealed class SoapClientFaultHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.InternalServerError
            || response.Content.Headers.ContentType?.MediaType is not ("text/xml" or "application/soap+xml")
            || response.Content.Headers.ContentLength > C06Soap.MaxAnswerBytes)
        {
            return response;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(C06Soap.MaxAnswerBytes, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return response;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (C06Soap.TryReadFault(body, out var faultCode, out _) && faultCode.EndsWith("Client", StringComparison.OrdinalIgnoreCase))
        {
            response.StatusCode = HttpStatusCode.BadRequest;
        }

        return response;
    }
}
