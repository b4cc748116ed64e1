using System.Globalization;
using System.Text;

namespace Integration.Connectors.Payment.VietQr;

/// <summary>One EMVCo data object: two-digit id, two-digit length, value.</summary>
internal readonly record struct EmvField(string Id, string Value);

/// <summary>Reads and writes the EMVCo merchant-presented QR TLV layout (ids and lengths are two decimal digits).</summary>
internal static class EmvTlv
{
    public static void Append(StringBuilder sb, string id, string value)
    {
        if (value.Length > 99)
        {
            throw new ArgumentException($"EMVCo field {id} is {value.Length} characters; at most 99 fit.", nameof(value));
        }

        sb.Append(id).Append(value.Length.ToString("D2", CultureInfo.InvariantCulture)).Append(value);
    }

    public static string Object(params (string Id, string? Value)[] fields)
    {
        var sb = new StringBuilder();
        foreach (var (id, value) in fields)
        {
            if (value is not null)
            {
                Append(sb, id, value);
            }
        }

        return sb.ToString();
    }

    /// <summary>Splits <paramref name="text"/> into fields in order; false when a length runs past the end or is not two digits.</summary>
    public static bool TryParse(string text, out List<EmvField> fields)
    {
        fields = [];
        var i = 0;
        while (i < text.Length)
        {
            if (i + 4 > text.Length
                || !IsDigits(text.AsSpan(i, 4))
                || !int.TryParse(text.AsSpan(i + 2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || i + 4 + length > text.Length)
            {
                return false;
            }

            fields.Add(new EmvField(text.Substring(i, 2), text.Substring(i + 4, length)));
            i += 4 + length;
        }

        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
