using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Core.Hosting;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// VNPAY's merchant web API: <c>querydr</c>, POST JSON to <c>Connectors:Payment:Vnpay:ApiUrl</c>. The request
/// is signed over <c>RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|IpAddr|OrderInfo</c>;
/// the answer's <c>vnp_SecureHash</c> (VNPAY 2.1.0; docs/upstreams.md, "VNPAY") is verified before anything in it is believed:
/// an answer that does not verify is an error, never a status.
/// </summary>
internal sealed class VnpayClient(
    HttpClient http,
    IOptions<PaymentOptions> options,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<VnpayClient> logger)
{
    public const string Upstream = "vnpay";
    public const string Version = "2.1.0";

    private static readonly string[] AnswerFields =
    [
        "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef", "vnp_Amount",
        "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus",
        "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount",
    ];

    private readonly VnpayOptions _options = options.Value.Vnpay;
    private readonly VnpaySigner _signer = new(options.Value.Vnpay.HashSecret);

    /// <summary>The base address the typed client gets: <c>ApiUrl</c> without its last segment, which <see cref="QueryAsync"/> sends as a relative path.</summary>
    public static string BaseAddress(string apiUrl) => apiUrl[..(apiUrl.LastIndexOf('/') + 1)];

    /// <summary>Asks VNPAY about the transaction <paramref name="txnRef"/>, created at <paramref name="transactionDate"/> (<c>yyyyMMddHHmmss</c>, GMT+7).</summary>
    public Task<VnpayQueryResult> QueryAsync(string txnRef, string transactionDate, CancellationToken cancellationToken) =>
        telemetry.TrackAsync(PaymentServiceCollectionExtensions.ConnectorName, "querydr", ct => SendQueryAsync(txnRef, transactionDate, ct), cancellationToken);

    private async Task<VnpayQueryResult> SendQueryAsync(string txnRef, string transactionDate, CancellationToken ct)
    {
        var requestId = Guid.NewGuid().ToString("N");
        var createDate = VietnamTime.Format14(time.GetUtcNow());
        var orderInfo = "Truy van giao dich " + txnRef;
        var hash = _signer.Sign(string.Join('|', requestId, Version, "querydr", _options.TmnCode, txnRef, transactionDate, createDate, _options.ServerIpAddress, orderInfo));
        var body = new VnpayQueryRequest(requestId, Version, "querydr", _options.TmnCode, txnRef, orderInfo, transactionDate, createDate, _options.ServerIpAddress, hash);

        var path = _options.ApiUrl[(_options.ApiUrl.LastIndexOf('/') + 1)..];
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(body, PaymentJsonContext.Default.VnpayQueryRequest),
        };
        // A query changes nothing at VNPAY, so sending it again after a lost answer is safe.
        request.MarkSafeToRetry();
        using var response = await http.SendAsync(request, ct);
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"querydr answered HTTP {(int)response.StatusCode}.");
        }

        Dictionary<string, string?> answer;
        try
        {
            answer = ReadFlatObject(await response.Content.ReadAsStringAsync(ct));
        }
        catch (JsonException)
        {
            throw new UpstreamErrorException(Upstream, "querydr answered something that is not a JSON object.");
        }

        var signed = string.Join('|', AnswerFields.Select(f => answer.GetValueOrDefault(f) ?? ""));
        if (!_signer.VerifyData(signed, answer.GetValueOrDefault(VnpaySigner.SecureHash)))
        {
            Log.QueryHashInvalid(logger, txnRef);
            throw new UpstreamErrorException(Upstream, "The querydr answer's vnp_SecureHash does not verify; the answer is ignored.");
        }

        var code = answer.GetValueOrDefault("vnp_ResponseCode") ?? "";
        switch (code)
        {
            case "00":
                break;
            case "91":
                return new VnpayQueryResult(VnpayQueryOutcome.NotFound, code, null, txnRef, null, null, null, null);
            case "94" or "99":
                throw new UpstreamErrorException(Upstream, $"querydr answered vnp_ResponseCode {code} ({answer.GetValueOrDefault("vnp_Message")}).", transient: true);
            default:
                throw new UpstreamErrorException(Upstream, $"querydr refused the query: vnp_ResponseCode {code} ({answer.GetValueOrDefault("vnp_Message")}).");
        }

        var answeredRef = answer.GetValueOrDefault("vnp_TxnRef");
        if (answeredRef != txnRef)
        {
            throw new UpstreamErrorException(Upstream, "The querydr answer is about another transaction than the one asked for.");
        }

        long? amount = long.TryParse(answer.GetValueOrDefault("vnp_Amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null;
        var status = answer.GetValueOrDefault("vnp_TransactionStatus");
        var outcome = status switch
        {
            "00" => VnpayQueryOutcome.Paid,
            "02" or "04" or "09" => VnpayQueryOutcome.Failed,
            _ => VnpayQueryOutcome.Pending,
        };
        return new VnpayQueryResult(
            outcome, code, status, answeredRef, amount,
            answer.GetValueOrDefault("vnp_BankCode"), answer.GetValueOrDefault("vnp_PayDate"), answer.GetValueOrDefault("vnp_TransactionNo"));
    }

    /// <summary>VNPAY writes every value as a string; a number is taken by its text so the hash input stays as sent.</summary>
    private static Dictionary<string, string?> ReadFlatObject(string json)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("Not an object.");
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            values[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Number => p.Value.GetRawText(),
                JsonValueKind.Null => null,
                _ => p.Value.GetRawText(),
            };
        }

        return values;
    }
}
