using System.Text.Json;
using Refit;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// VNPAY's merchant web API as a Refit client (docs/upstreams.md, "VNPAY"): one endpoint,
/// <c>Connectors:Payment:Vnpay:ApiUrl</c>, which is the client's base address. Settings: <see cref="VnpayClient.RefitSettings"/>.
/// </summary>
internal interface IVnpayMerchantApi
{
    /// <summary>Sends a <c>querydr</c>; the answer is a flat JSON object, read as it came so its hash can be checked.</summary>
    [Post("")]
    Task<Dictionary<string, JsonElement>?> QueryAsync([Body] VnpayQueryRequest request, CancellationToken cancellationToken);
}
