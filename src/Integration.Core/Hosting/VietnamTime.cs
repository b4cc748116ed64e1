using System.Globalization;

namespace Integration.Core.Hosting;

/// <summary>Vietnam time (UTC+7, no daylight saving), the time of every upstream timestamp.</summary>
public static class VietnamTime
{
    public static readonly TimeSpan Offset = TimeSpan.FromHours(7);

    public static DateTimeOffset Now(TimeProvider time) => time.GetUtcNow().ToOffset(Offset);

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(Now(time).DateTime);

    /// <summary><c>yyyyMMddHHmmss</c> in Vietnam time, as VNPAY and the portal expect.</summary>
    public static string Format14(DateTimeOffset value) =>
        value.ToOffset(Offset).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public static bool TryParse14(string? value, out DateTimeOffset result)
    {
        if (DateTime.TryParseExact(value, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            result = new DateTimeOffset(local, Offset);
            return true;
        }

        result = default;
        return false;
    }
}
