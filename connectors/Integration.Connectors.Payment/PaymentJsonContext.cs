using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Connectors.Payment.BankNotices;
using Integration.Connectors.Payment.Vnpay;

namespace Integration.Connectors.Payment;

/// <summary>The JSON the Payment connector writes and reads itself: stored answers, request fingerprints, VNPAY's querydr, bank notices.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreatePaymentRequest))]
[JsonSerializable(typeof(PaymentCreated))]
[JsonSerializable(typeof(VnpayQueryRequest))]
[JsonSerializable(typeof(BankNoticeBody))]
internal sealed partial class PaymentJsonContext : JsonSerializerContext;
