using Integration.Core.Hosting;

namespace Integration.Connectors.Payment;

/// <summary>The store keeps Unix milliseconds; answers show Vietnam time, and VNPAY writes <c>yyyyMMddHHmmss</c> in GMT+7.</summary>
internal static class PaymentTime
{
    public static DateTimeOffset ToVietnam(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToOffset(VietnamTime.Offset);

    /// <summary>A VNPAY <c>vnp_PayDate</c> as Unix milliseconds; null when it is missing or not a date.</summary>
    public static long? FromPayDate(string? value) => VietnamTime.TryParse14(value, out var at) ? at.ToUnixTimeMilliseconds() : null;
}
