using System.Text.Json.Serialization;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>The body of a <c>querydr</c> call (VNPAY merchant web API 2.1.0).</summary>
internal sealed record VnpayQueryRequest(
    [property: JsonPropertyName("vnp_RequestId")] string RequestId,
    [property: JsonPropertyName("vnp_Version")] string Version,
    [property: JsonPropertyName("vnp_Command")] string Command,
    [property: JsonPropertyName("vnp_TmnCode")] string TmnCode,
    [property: JsonPropertyName("vnp_TxnRef")] string TxnRef,
    [property: JsonPropertyName("vnp_OrderInfo")] string OrderInfo,
    [property: JsonPropertyName("vnp_TransactionDate")] string TransactionDate,
    [property: JsonPropertyName("vnp_CreateDate")] string CreateDate,
    [property: JsonPropertyName("vnp_IpAddr")] string IpAddr,
    [property: JsonPropertyName("vnp_SecureHash")] string SecureHash);

/// <summary>What <c>querydr</c> says about one transaction, once its hash has been verified.</summary>
internal enum VnpayQueryOutcome
{
    /// <summary><c>vnp_ResponseCode</c> 00 and <c>vnp_TransactionStatus</c> 00.</summary>
    Paid,

    /// <summary>Not finished yet (01), or in a state only an operator can judge (05, 06, 07).</summary>
    Pending,

    /// <summary>The transaction failed or was reversed (02, 04, 09).</summary>
    Failed,

    /// <summary><c>vnp_ResponseCode</c> 91: VNPAY has no such transaction (the payer never paid).</summary>
    NotFound,
}

/// <summary>A verified <c>querydr</c> answer.</summary>
internal sealed record VnpayQueryResult(
    VnpayQueryOutcome Outcome,
    string ResponseCode,
    string? TransactionStatus,
    string? TxnRef,
    long? AmountTimes100,
    string? BankCode,
    string? PayDate,
    string? TransactionNo);
