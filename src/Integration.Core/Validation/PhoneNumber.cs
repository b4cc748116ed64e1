using Integration.Core.Privacy;
using System.Diagnostics.CodeAnalysis;

namespace Integration.Core.Validation;

/// <summary>The carrier that originally issued a number range (the current one may differ after porting).</summary>
public enum Carrier
{
    Viettel,
    Vinaphone,
    Mobifone,
    Vietnamobile,
    Gmobile,
    Itel,
    Reddi,
}

/// <summary>
/// A Vietnamese mobile number in E.164 (<c>+84</c> and 9 digits). Accepts national (<c>0…</c>),
/// <c>84…</c> and <c>+84…</c> forms with spaces, dots and dashes; rejects the retired 11-digit form
/// and prefixes no carrier was given (docs/domain.md, "Mobile numbers").
/// </summary>
public sealed record PhoneNumber
{
    private static readonly Dictionary<string, Carrier> Prefixes = BuildPrefixes();

    private PhoneNumber(string subscriber, Carrier originalCarrier)
    {
        Subscriber = subscriber;
        OriginalCarrier = originalCarrier;
    }

    /// <summary>The nine digits after the country code.</summary>
    public string Subscriber { get; }

    /// <summary>The carrier the prefix was allocated to (a fallback only: numbers are portable).</summary>
    public Carrier OriginalCarrier { get; }

    /// <summary><c>+84912345678</c>.</summary>
    public string E164 => "+84" + Subscriber;

    /// <summary><c>84912345678</c>, the MSISDN form carriers use.</summary>
    public string Msisdn => "84" + Subscriber;

    /// <summary><c>0912345678</c>.</summary>
    public string National => "0" + Subscriber;

    /// <summary>The number as it may appear in logs: <c>+8491*****78</c>.</summary>
    public string Masked => PersonalDataMask.Phone(E164);

    public override string ToString() => Masked;

    public static bool TryParse(string? input, [NotNullWhen(true)] out PhoneNumber? result)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return false;
        }

        Span<char> digits = stackalloc char[32];
        var n = 0;
        var plus = false;
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (char.IsAsciiDigit(c))
            {
                digits[n++] = c;
            }
            else if (c == '+' && n == 0 && !plus)
            {
                plus = true;
            }
            else if (c is not (' ' or '.' or '-'))
            {
                return false;
            }
        }

        ReadOnlySpan<char> d = digits[..n];
        scoped ReadOnlySpan<char> subscriber;
        if (plus)
        {
            if (!d.StartsWith("84") || d.Length != 11)
            {
                return false;
            }

            subscriber = d[2..];
        }
        else if (d.Length == 10 && d[0] == '0')
        {
            subscriber = d[1..];
        }
        else if (d.Length == 11 && d.StartsWith("84"))
        {
            subscriber = d[2..];
        }
        else
        {
            return false;
        }

        if (!Prefixes.TryGetValue(new string(subscriber[..2]), out var carrier))
        {
            return false;
        }

        result = new PhoneNumber(new string(subscriber), carrier);
        return true;
    }

    private static Dictionary<string, Carrier> BuildPrefixes()
    {
        var map = new Dictionary<string, Carrier>(StringComparer.Ordinal);
        void Add(Carrier c, params int[] prefixes)
        {
            foreach (var p in prefixes)
            {
                map[p.ToString("00", System.Globalization.CultureInfo.InvariantCulture)] = c;
            }
        }

        // Prefixes after the 2018-2019 conversion, without the leading 0 (docs/domain.md, "Mobile numbers").
        Add(Carrier.Viettel, 32, 33, 34, 35, 36, 37, 38, 39, 86, 96, 97, 98);
        Add(Carrier.Vinaphone, 81, 82, 83, 84, 85, 88, 91, 94);
        Add(Carrier.Mobifone, 70, 76, 77, 78, 79, 89, 90, 93);
        Add(Carrier.Vietnamobile, 52, 56, 58, 92);
        Add(Carrier.Gmobile, 59, 99);
        Add(Carrier.Itel, 87);
        Add(Carrier.Reddi, 55);
        return map;
    }
}
