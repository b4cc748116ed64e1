using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Connectors.Payment.BankNotices;
using Integration.Connectors.Payment.Vnpay;

namespace Integration.Connectors.Payment;

/// <summary>The JSON the Payment connector writes and reads itself: request fingerprints, VNPAY's querydr (through Refit), bank notices.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CreatePaymentRequest))]
[JsonSerializable(typeof(VnpayQueryRequest))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(BankNoticeBody))]
internal sealed partial class PaymentJsonContext : JsonSerializerContext;
