using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco;

/// <summary>Stops the host at start when a Telco setting is missing or wrong, naming the key.</summary>
internal sealed class TelcoOptionsValidator : IValidateOptions<TelcoOptions>
{
    private const string Prefix = "Connectors:Telco:";

    public ValidateOptionsResult Validate(string? name, TelcoOptions o)
    {
        var errors = new List<string>();
        Url(errors, "Mnp:BaseUrl", o.Mnp.BaseUrl);
        Url(errors, "Viettel:BaseUrl", o.Viettel.BaseUrl);
        Url(errors, "Vnpt:BaseUrl", o.Vnpt.BaseUrl);
        Url(errors, "Mobifone:BaseUrl", o.Mobifone.BaseUrl);
        Required(errors, "Viettel:PartnerKey", o.Viettel.PartnerKey);
        Required(errors, "Vnpt:ClientId", o.Vnpt.ClientId);
        Required(errors, "Vnpt:ClientSecret", o.Vnpt.ClientSecret);

        if (o.Mnp.ProbeMsisdn.Length != 11 || !o.Mnp.ProbeMsisdn.StartsWith("84", StringComparison.Ordinal) || !o.Mnp.ProbeMsisdn.All(char.IsAsciiDigit))
        {
            errors.Add($"{Prefix}Mnp:ProbeMsisdn must be 84 followed by 9 digits.");
        }

        Between(errors, "Mnp:Timeout", o.Mnp.Timeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        Between(errors, "Vnpt:TokenRefreshMargin", o.Vnpt.TokenRefreshMargin, TimeSpan.Zero, TimeSpan.FromHours(1));
        Between(errors, "CacheTtl", o.CacheTtl, TimeSpan.Zero, TimeSpan.FromDays(1));
        Between(errors, "StaleTtl", o.StaleTtl, TimeSpan.Zero, TimeSpan.FromDays(7));
        if (o.StaleTtl < o.CacheTtl)
        {
            errors.Add($"{Prefix}StaleTtl ({o.StaleTtl}) must not be below {Prefix}CacheTtl ({o.CacheTtl}).");
        }

        Between(errors, "ProbeTimeout", o.ProbeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Required(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{Prefix}{key} is required.");
        }
    }

    private static void Url(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{Prefix}{key} is required.");
        }
        else if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Prefix}{key} ({value}) must be an absolute http or https URL.");
        }
    }

    private static void Between(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Prefix}{key} ({value}) must be between {min} and {max}.");
        }
    }
}
