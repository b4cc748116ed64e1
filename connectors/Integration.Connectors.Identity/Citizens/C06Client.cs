using System.Net;
using System.Net.Http.Headers;
using Integration.Core.Http;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.Citizens;

/// <summary>
/// Calls the C06 citizen check (SOAP 1.1, a hand-written client: Refit speaks JSON and forms) with the LGSP
/// bearer token (put on the request, and renewed once when C06 answers 401, by Core's credential handler,
/// <c>AddLgspToken</c>), and gives its answer a meaning:
/// <c>00</c>/<c>01</c>/<c>02</c> are answers, <c>99</c> a transient upstream error, a SOAP fault an
/// upstream error.
/// </summary>
internal sealed class C06Client(
    HttpClient http,
    IOptions<IdentityOptions> options,
    IOptionsMonitor<ConnectorResilienceOptions> resilience,
    TimeProvider time,
    ILogger<C06Client> logger)
{
    public const string Upstream = "c06";
    public const string Path = "XacThucCongDan";

    public async Task<C06Answer> CheckAsync(CitizenQuery query, string officer, CancellationToken cancellationToken)
    {
        var o = options.Value.C06;
        var requestId = Guid.CreateVersion7().ToString("N");
        var body = C06Soap.BuildRequest(requestId, o.ServiceCode, o.IntegrationCode, officer, query);

        using var response = await SendAsync(body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new UpstreamErrorException(Upstream, "C06 refused a freshly issued LGSP token (HTTP 401).");
        }

        return await ReadAsync(response, query, requestId, cancellationToken);
    }

    private Task<HttpResponseMessage> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation("SOAPAction", C06Soap.SoapAction);

        // The check only reads: sending it again after a timeout or a 5xx changes nothing at C06.
        request.MarkSafeToRetry();
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<C06Answer> ReadAsync(HttpResponseMessage response, CitizenQuery query, string requestId, CancellationToken cancellationToken)
    {
        // The pipeline's timeouts end when the headers arrive; the body gets one attempt's time more.
        var attemptTimeout = resilience.Get(IdentityServiceCollectionExtensions.Connector).AttemptTimeout;
        using var bodyTimeout = new CancellationTokenSource(attemptTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bodyTimeout.Token);
        byte[] body;
        try
        {
            body = await ReadBoundedAsync(response, linked.Token);
        }
        catch (OperationCanceledException ex) when (bodyTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException(Upstream, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new UpstreamUnavailableException(Upstream, "C06 broke the connection while sending its answer.", ex);
        }

        // SOAP 1.1 sends faults with HTTP 500: read the fault before treating the status as transient.
        if (!response.IsSuccessStatusCode && C06Soap.TryReadFault(body, out var faultCode, out var faultString))
        {
            var safe = PersonalDataMask.Text(faultString);
            Log.C06Fault(logger, faultCode, requestId, safe);
            // soap:Server is the service's own trouble and may pass; soap:Client is our request and will not.
            var transient = faultCode.EndsWith("Server", StringComparison.OrdinalIgnoreCase);
            throw new UpstreamErrorException(Upstream, $"C06 answered a SOAP fault ({faultCode}): {safe}", transient);
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"C06 answered HTTP {(int)response.StatusCode}.");
        }

        C06RawAnswer raw;
        try
        {
            raw = C06Soap.ReadAnswer(body);
        }
        catch (FormatException ex)
        {
            throw new UpstreamErrorException(Upstream, $"C06 answered something that is not a citizen-check answer: {ex.Message}");
        }

        if (raw.RequestId != requestId)
        {
            throw new UpstreamErrorException(Upstream, "C06 answered for another request (MaYeuCau differs).");
        }

        switch (raw.ResultCode)
        {
            case "00":
                Log.C06Answered(logger, raw.ResultCode, query.Id.Masked, requestId);
                return new C06Answer(CitizenMatch.Match, [], Level(raw.IdentityLevel));
            case "01":
                Log.C06Answered(logger, raw.ResultCode, query.Id.Masked, requestId);
                return new C06Answer(CitizenMatch.Mismatch, MismatchedFields(raw.MismatchedFields, requestId), Level(raw.IdentityLevel));
            case "02":
                Log.C06Answered(logger, raw.ResultCode, query.Id.Masked, requestId);
                return new C06Answer(CitizenMatch.NotFound, [], null);
            case "99":
                Log.C06SystemError(logger, raw.ResultCode, requestId);
                throw new UpstreamErrorException(Upstream, "C06 answered 99 (system error); try again later.", transient: true);
            default:
                throw new UpstreamErrorException(Upstream, $"C06 answered the unknown result code '{Truncate(raw.ResultCode)}'.");
        }
    }

    private List<CitizenField> MismatchedFields(string? names, string requestId)
    {
        var fields = new List<CitizenField>();
        foreach (var name in (names ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            CitizenField? field = name switch
            {
                "HoVaTen" => CitizenField.FullName,
                "NgayThangNamSinh" => CitizenField.DateOfBirth,
                _ => null,
            };
            if (field is { } f && !fields.Contains(f))
            {
                fields.Add(f);
            }
        }

        if (fields.Count == 0)
        {
            Log.C06UnknownMismatchFields(logger, Truncate(names ?? ""), requestId);
        }

        return fields;
    }

    private static int? Level(string? value) => value switch
    {
        "1" => 1,
        "2" => 2,
        _ => null,
    };

    private static string Truncate(string value) => PersonalDataMask.Text(value.Length > 40 ? value[..40] : value);

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > C06Soap.MaxAnswerBytes)
        {
            throw new UpstreamErrorException(Upstream, "C06 answered with a body larger than 1 MiB.");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > C06Soap.MaxAnswerBytes)
            {
                throw new UpstreamErrorException(Upstream, "C06 answered with a body larger than 1 MiB.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>What C06 said, as cached (no personal data beyond what the cache key already hides).</summary>
internal sealed record C06Answer(CitizenMatch Result, IReadOnlyList<CitizenField> MismatchedFields, int? IdentityLevel);
