using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Quartz;

namespace Integration.Connectors.NationalPortal;

/// <summary>The national public-service portal adapter (<c>Connectors:NationalPortal</c>).</summary>
public sealed partial class NationalPortalOptions
{
    /// <summary>The adapter's base URL (may carry a path prefix), e.g. <c>http://127.0.0.1:9090/portal</c>. Required.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The province's account at the adapter. Required.</summary>
    public string Username { get; set; } = "";

    /// <summary>Its password. Required.</summary>
    public string Password { get; set; } = "";

    /// <summary>The province's agency code, sent as <c>madonvi</c>, e.g. <c>000.00.00.H99</c>. Required.</summary>
    public string AgencyCode { get; set; } = "";

    /// <summary>Quartz cron expression (Vietnam time) of the procedure catalogue refresh.</summary>
    /// <value><c>0 0 2 * * ?</c>: every day at 02:00.</value>
    public string CatalogueSchedule { get; set; } = "0 0 2 * * ?";

    /// <summary>Procedures asked for per <c>LayDanhSachTTHC</c> page.</summary>
    /// <value>100.</value>
    public int CataloguePageSize { get; set; } = 100;

    /// <summary>A pull that needs more pages than this fails (and keeps the previous copy) instead of running on.</summary>
    /// <value>500.</value>
    public int CatalogueMaxPages { get; set; } = 500;

    /// <summary>Quartz cron expression (Vietnam time) of the account statistics pull.</summary>
    /// <value><c>0 15 * * * ?</c>: every hour at minute 15.</value>
    public string AccountStatsSchedule { get; set; } = "0 15 * * * ?";

    /// <summary>Locality codes (<c>maDiaBan</c>) whose account statistics are pulled, e.g. <c>01</c>.</summary>
    /// <value>Empty: no statistics are pulled.</value>
    public List<string> Localities { get; set; } = [];

    /// <summary>Also pull the catalogue and statistics once shortly after start, not only on schedule.</summary>
    /// <value>true.</value>
    public bool PullAtStart { get; set; } = true;

    /// <summary>How long after start that first pull runs.</summary>
    /// <value>1 minute.</value>
    public TimeSpan PullAtStartDelay { get; set; } = TimeSpan.FromMinutes(1);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$")]
    internal static partial Regex CodePattern();

    [GeneratedRegex("^[A-Za-z0-9.]{1,20}$")]
    internal static partial Regex LocalityPattern();
}

/// <summary>Checks <see cref="NationalPortalOptions"/> at start; every message names its key.</summary>
internal sealed class NationalPortalOptionsValidator : IValidateOptions<NationalPortalOptions>
{
    private const string P = "Connectors:NationalPortal:";

    public ValidateOptionsResult Validate(string? name, NationalPortalOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(
            Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https",
            $"{P}BaseUrl must be an absolute http(s) URL (is '{o.BaseUrl}').");
        Require(!string.IsNullOrWhiteSpace(o.Username), $"{P}Username is required.");
        Require(!string.IsNullOrWhiteSpace(o.Password), $"{P}Password is required.");
        Require(NationalPortalOptions.CodePattern().IsMatch(o.AgencyCode), $"{P}AgencyCode is required: letters, digits, '.', '-', '_' (is '{o.AgencyCode}').");
        Require(CronExpression.TryParse(o.CatalogueSchedule ?? "", out _), $"{P}CatalogueSchedule ('{o.CatalogueSchedule}') is not a valid Quartz cron expression.");
        Require(CronExpression.TryParse(o.AccountStatsSchedule ?? "", out _), $"{P}AccountStatsSchedule ('{o.AccountStatsSchedule}') is not a valid Quartz cron expression.");
        Require(o.CataloguePageSize is >= 1 and <= 1000, $"{P}CataloguePageSize ({o.CataloguePageSize}) must be between 1 and 1000.");
        Require(o.CatalogueMaxPages is >= 1 and <= 10_000, $"{P}CatalogueMaxPages ({o.CatalogueMaxPages}) must be between 1 and 10000.");
        Require(o.Localities.Count <= 1000, $"{P}Localities has {o.Localities.Count} entries; at most 1000 are allowed.");
        for (var i = 0; i < o.Localities.Count; i++)
        {
            Require(NationalPortalOptions.LocalityPattern().IsMatch(o.Localities[i] ?? ""), $"{P}Localities:{i} ('{o.Localities[i]}') must be 1-20 letters, digits or dots.");
        }

        Require(o.PullAtStartDelay >= TimeSpan.Zero && o.PullAtStartDelay <= TimeSpan.FromDays(1), $"{P}PullAtStartDelay ({o.PullAtStartDelay}) must be between 00:00:00 and 1.00:00:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
