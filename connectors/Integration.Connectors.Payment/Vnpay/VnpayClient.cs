using System.Globalization;
using System.Text.Json;
using Integration.Core.Hosting;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// VNPAY's merchant web API: <c>querydr</c>, POST JSON to <c>Connectors:Payment:Vnpay:ApiUrl</c> through the Refit
/// client <see cref="IVnpayMerchantApi"/>. The request
/// is signed over <c>RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|IpAddr|OrderInfo</c>;
/// the answer's <c>vnp_SecureHash</c> (VNPAY 2.1.0; docs/upstreams.md, "VNPAY") is verified before anything in it is believed:
/// an answer that does not verify is an error, never a status.
/// </summary>
internal sealed class VnpayClient(
    IVnpayMerchantApi api,
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

    /// <summary>
    /// How Refit talks to VNPAY: JSON through the connector's source-generated context; every request marked safe to
    /// send again (a query changes nothing at VNPAY, so it is retried after a lost answer); what the resilience
    /// pipeline gives up with (timeouts, open circuits) passed through as it is; a final transient status as 503, any
    /// other failure status or an answer that is not a JSON object as 502.
    /// </summary>
    public static RefitSettings RefitSettings { get; } = new()
    {
        ContentSerializer = new SystemTextJsonContentSerializer(PaymentJsonContext.Default.Options),
        HttpRequestMessageOptions = new() { [UpstreamRequestOptions.SafeToRetryOption] = true },
        TransportExceptionFactory = static (_, exception, _) => exception,
        ExceptionFactory = static response => ValueTask.FromResult(ProblemFor(response)),
        DeserializationExceptionFactory = static (_, exception) => ValueTask.FromResult<Exception?>(NotAnObject(exception)),
    };

    private static UpstreamErrorException NotAnObject(Exception? inner = null) =>
        new(Upstream, "querydr answered something that is not a JSON object.", inner: inner);

    private static Exception? ProblemFor(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        return new UpstreamErrorException(Upstream, $"querydr answered HTTP {(int)response.StatusCode}.");
    }

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

        var answer = await api.QueryAsync(body, ct) ?? throw NotAnObject();

        var signed = string.Join('|', AnswerFields.Select(f => Text(answer, f) ?? ""));
        if (!_signer.VerifyData(signed, Text(answer, VnpaySigner.SecureHash)))
        {
            Log.QueryHashInvalid(logger, txnRef);
            throw new UpstreamErrorException(Upstream, "The querydr answer's vnp_SecureHash does not verify; the answer is ignored.");
        }

        var code = Text(answer, "vnp_ResponseCode") ?? "";
        switch (code)
        {
            case "00":
                break;
            case "91":
                return new VnpayQueryResult(VnpayQueryOutcome.NotFound, code, null, txnRef, null, null, null, null);
            case "94" or "99":
                throw new UpstreamErrorException(Upstream, $"querydr answered vnp_ResponseCode {code} ({Text(answer, "vnp_Message")}).", transient: true);
            default:
                throw new UpstreamErrorException(Upstream, $"querydr refused the query: vnp_ResponseCode {code} ({Text(answer, "vnp_Message")}).");
        }

        var answeredRef = Text(answer, "vnp_TxnRef");
        if (answeredRef != txnRef)
        {
            throw new UpstreamErrorException(Upstream, "The querydr answer is about another transaction than the one asked for.");
        }

        long? amount = long.TryParse(Text(answer, "vnp_Amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null;
        var status = Text(answer, "vnp_TransactionStatus");
        var outcome = status switch
        {
            "00" => VnpayQueryOutcome.Paid,
            "02" or "04" or "09" => VnpayQueryOutcome.Failed,
            _ => VnpayQueryOutcome.Pending,
        };
        return new VnpayQueryResult(
            outcome, code, status, answeredRef, amount,
            Text(answer, "vnp_BankCode"), Text(answer, "vnp_PayDate"), Text(answer, "vnp_TransactionNo"));
    }

    /// <summary>VNPAY writes every value as a string; a number is taken by its text so the hash input stays as sent.</summary>
    private static string? Text(Dictionary<string, JsonElement> answer, string field) =>
        answer.TryGetValue(field, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        } : null;
}
