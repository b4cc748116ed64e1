using Microsoft.Extensions.Options;

namespace Integration.Indicators;

/// <summary>The province's agency directory (<c>Indicators</c>), which gives each agency its name, level and locality.</summary>
public sealed class IndicatorsOptions
{
    /// <summary>
    /// <c>Indicators:Agencies:N:Code</c>, <c>:Name</c>, <c>:Level</c>, <c>:LocalityCode</c>. Dossiers of agencies
    /// not listed are still counted, under their code, with no level or locality.
    /// </summary>
    /// <value>Empty.</value>
    public List<AgencyOptions> Agencies { get; set; } = [];

    /// <summary>Most rows the overdue list returns.</summary>
    /// <value>500.</value>
    public int MaxOverdueRows { get; set; } = 500;
}

/// <summary>One agency of the directory.</summary>
public sealed class AgencyOptions
{
    /// <summary>The agency code the one-stop system sends as <c>agencyCode</c> (DonViXuLy), e.g. <c>000.21.09.H99</c>. Required.</summary>
    public string Code { get; set; } = "";

    /// <summary>Its name, e.g. <c>UBND xã Tân Hòa</c>. Required.</summary>
    public string Name { get; set; } = "";

    /// <summary><c>province</c>, <c>district</c> or <c>commune</c>. Required.</summary>
    public string Level { get; set; } = "";

    /// <summary>The locality (maDiaBan) it serves, e.g. <c>0109</c>. Required.</summary>
    public string LocalityCode { get; set; } = "";
}

/// <summary>Checks the directory at start; every message names its key.</summary>
internal sealed class IndicatorsOptionsValidator : IValidateOptions<IndicatorsOptions>
{
    public static readonly string[] Levels = ["province", "district", "commune"];

    public ValidateOptionsResult Validate(string? name, IndicatorsOptions options)
    {
        var errors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Agencies.Count; i++)
        {
            var a = options.Agencies[i];
            var key = $"Indicators:Agencies:{i}:";
            if (string.IsNullOrWhiteSpace(a.Code))
            {
                errors.Add($"{key}Code is required.");
            }
            else if (!seen.Add(a.Code))
            {
                errors.Add($"{key}Code ({a.Code}) is listed twice.");
            }

            if (string.IsNullOrWhiteSpace(a.Name))
            {
                errors.Add($"{key}Name is required.");
            }

            if (!Levels.Contains(a.Level, StringComparer.Ordinal))
            {
                errors.Add($"{key}Level ({a.Level}) must be province, district or commune.");
            }

            if (string.IsNullOrWhiteSpace(a.LocalityCode))
            {
                errors.Add($"{key}LocalityCode is required.");
            }
        }

        if (options.MaxOverdueRows is < 1 or > 10_000)
        {
            errors.Add($"Indicators:MaxOverdueRows ({options.MaxOverdueRows}) must be between 1 and 10000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
