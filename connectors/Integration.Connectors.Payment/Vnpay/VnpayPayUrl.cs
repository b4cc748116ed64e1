using System.Globalization;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>The signed URL a payer is sent to, to pay on VNPAY's page (VNPAY 2.1.0; docs/domain.md, "VNPAY").</summary>
internal sealed class VnpayPayUrl(VnpayOptions options)
{
    private readonly VnpaySigner _signer = new(options.HashSecret);

    /// <summary>The pay URL of one payment.</summary>
    /// <param name="request">The validated creation request.</param>
    /// <param name="reference">The payment's reference, sent as <c>vnp_TxnRef</c>.</param>
    /// <param name="orderInfo">The description without diacritics.</param>
    /// <param name="createDate">Now, <c>yyyyMMddHHmmss</c> in GMT+7 (querydr sends it back as <c>vnp_TransactionDate</c>).</param>
    /// <param name="expireDate">When the payment expires, in the same form.</param>
    public string For(ValidPaymentRequest request, string reference, string orderInfo, string createDate, string expireDate) =>
        _signer.SignedUrl(options.PayUrl, new Dictionary<string, string?>
        {
            ["vnp_Version"] = VnpayClient.Version,
            ["vnp_Command"] = "pay",
            ["vnp_TmnCode"] = options.TmnCode,
            ["vnp_Amount"] = (request.Amount * 100).ToString(CultureInfo.InvariantCulture),
            ["vnp_CreateDate"] = createDate,
            ["vnp_ExpireDate"] = expireDate,
            ["vnp_CurrCode"] = "VND",
            ["vnp_IpAddr"] = request.PayerIpAddress ?? options.ServerIpAddress,
            ["vnp_Locale"] = options.Locale,
            ["vnp_OrderInfo"] = orderInfo,
            ["vnp_OrderType"] = options.OrderType,
            ["vnp_ReturnUrl"] = request.ReturnUrl,
            ["vnp_TxnRef"] = reference,
        });
}
