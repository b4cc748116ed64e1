using Integration.Core.Privacy;
using System.Diagnostics.CodeAnalysis;

namespace Integration.Core.Validation;

/// <summary>The kind of personal identification number a citizen presented.</summary>
public enum CitizenIdKind
{
    /// <summary>12-digit citizen identity card / personal identification number (CCCD).</summary>
    Cccd,

    /// <summary>Legacy 9-digit identity card (CMND): only a lookup key, it carries no sex or year.</summary>
    Cmnd,
}

/// <summary>
/// A citizen identification number that passed the local checks of docs/domain.md ("Citizen ID number"): 12 ASCII digits
/// (<c>PPP G YY NNNNNN</c>) whose implied birth year is not in the future, or a 9-digit CMND.
/// There is no check digit in the CCCD; none is invented here.
/// </summary>
public sealed record CitizenIdNumber
{
    private CitizenIdNumber(string value, CitizenIdKind kind, int? birthYear, bool? female, string? provinceCode)
    {
        Value = value;
        Kind = kind;
        BirthYear = birthYear;
        Female = female;
        ProvinceCode = provinceCode;
    }

    /// <summary>The digits as presented (never log this: use <see cref="Masked"/>).</summary>
    public string Value { get; }

    public CitizenIdKind Kind { get; }

    /// <summary>Birth year implied by the century digit and YY (CCCD only).</summary>
    public int? BirthYear { get; }

    /// <summary>Sex implied by the century digit: odd is female (CCCD only).</summary>
    public bool? Female { get; }

    /// <summary>The PPP code: a province code, or a country code for people registered abroad.</summary>
    public string? ProvinceCode { get; }

    /// <summary>True when <see cref="ProvinceCode"/> is one of the 63 province codes (a warning, not an error, when false).</summary>
    public bool KnownProvince => ProvinceCode is not null && ProvinceCodes.Contains(ProvinceCode);

    /// <summary>The number as it may appear in logs and answers: first three and last two digits.</summary>
    public string Masked => PersonalDataMask.IdNumber(Value);

    public override string ToString() => Masked;

    /// <summary>Parses and checks a CCCD (12 digits) or CMND (9 digits).</summary>
    /// <param name="input">The number as typed; surrounding white space is ignored.</param>
    /// <param name="today">Today in Vietnam time, for the "not in the future" rule.</param>
    /// <param name="dateOfBirth">When given, its year must equal the year the CCCD implies.</param>
    /// <param name="result">The parsed number.</param>
    /// <param name="error">A stable error code: <c>invalid_id_number</c> or <c>date_of_birth_mismatch</c>.</param>
    public static bool TryParse(
        string? input,
        DateOnly today,
        DateOnly? dateOfBirth,
        [NotNullWhen(true)] out CitizenIdNumber? result,
        [NotNullWhen(false)] out string? error)
    {
        result = null;
        error = "invalid_id_number";
        var s = input?.Trim();
        if (string.IsNullOrEmpty(s) || !s.All(char.IsAsciiDigit))
        {
            return false;
        }

        if (s.Length == 9)
        {
            result = new CitizenIdNumber(s, CitizenIdKind.Cmnd, null, null, null);
            error = null;
            return true;
        }

        if (s.Length != 12)
        {
            return false;
        }

        var g = s[3] - '0';
        var yy = ((s[4] - '0') * 10) + (s[5] - '0');
        var year = 1900 + (100 * (g / 2)) + yy;
        if (year > today.Year)
        {
            return false;
        }

        if (dateOfBirth is { } dob && dob.Year != year)
        {
            error = "date_of_birth_mismatch";
            return false;
        }

        result = new CitizenIdNumber(s, CitizenIdKind.Cccd, year, g % 2 == 1, s[..3]);
        error = null;
        return true;
    }

    /// <summary>Province codes of birth registration (Circular 59/2021/TT-BCA), kept after the 2025 mergers.</summary>
    public static readonly IReadOnlySet<string> ProvinceCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022",
        "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042",
        "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066",
        "067", "068", "070", "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087",
        "089", "091", "092", "093", "094", "095", "096",
    };
}
