namespace Integration.Core.Privacy;

/// <summary>
/// Masks personal data (Decree 13/2023/NĐ-CP) before it reaches a log, a trace, an audit row or
/// an answer: <c>001*******45</c> for a CCCD, <c>+8491*****78</c> for a phone number.
/// </summary>
public static partial class PersonalDataMask
{
    /// <summary>Keeps the first three and last two characters of an ID number.</summary>
    public static string IdNumber(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (value.Length <= 5)
        {
            return new string('*', value.Length);
        }

        return string.Concat(value.AsSpan(0, 3), new string('*', value.Length - 5), value.AsSpan(value.Length - 2));
    }

    /// <summary>Keeps the country code and first two digits, and the last two digits.</summary>
    public static string Phone(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var keepStart = value.StartsWith('+') ? 5 : value.StartsWith("84", StringComparison.Ordinal) ? 4 : 3;
        if (value.Length <= keepStart + 2)
        {
            return new string('*', value.Length);
        }

        return string.Concat(value.AsSpan(0, keepStart), new string('*', value.Length - keepStart - 2), value.AsSpan(value.Length - 2));
    }

    /// <summary>
    /// Masks every run of 9 to 12 digits (ID numbers, phone numbers) in free text such as an upstream
    /// error message, so that text can be logged or stored.
    /// </summary>
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        return DigitRuns().Replace(value, m => IdNumber(m.Value));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?<!\d)\+?\d{9,12}(?!\d)")]
    private static partial System.Text.RegularExpressions.Regex DigitRuns();
}
