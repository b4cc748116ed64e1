using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity;

/// <summary>Stops the host at start when a setting is wrong, naming the key.</summary>
internal sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    private const string Prefix = "Connectors:Identity:";

    public ValidateOptionsResult Validate(string? name, IdentityOptions o)
    {
        var errors = new List<string>();

        RequireUrl(errors, "Lgsp:BaseUrl", o.Lgsp.BaseUrl);
        RequireText(errors, "Lgsp:ClientId", o.Lgsp.ClientId);
        RequireText(errors, "Lgsp:ClientSecret", o.Lgsp.ClientSecret);
        RequireRange(errors, "Lgsp:RefreshBeforeExpiry", o.Lgsp.RefreshBeforeExpiry, TimeSpan.Zero, TimeSpan.FromHours(1));

        RequireUrl(errors, "C06:BaseUrl", o.C06.BaseUrl);
        RequireText(errors, "C06:ServiceCode", o.C06.ServiceCode);
        RequireText(errors, "C06:IntegrationCode", o.C06.IntegrationCode);
        RequireRange(errors, "C06:CacheTtl", o.C06.CacheTtl, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        RequireRange(errors, "C06:StaleTtl", o.C06.StaleTtl, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        if (o.C06.StaleTtl < o.C06.CacheTtl)
        {
            errors.Add($"{Prefix}C06:StaleTtl ({o.C06.StaleTtl}) must not be below {Prefix}C06:CacheTtl ({o.C06.CacheTtl}).");
        }

        RequireUrl(errors, "VneId:BaseUrl", o.VneId.BaseUrl);
        RequireText(errors, "VneId:ClientId", o.VneId.ClientId);
        RequireText(errors, "VneId:ClientSecret", o.VneId.ClientSecret);
        RequireUrl(errors, "VneId:RedirectUri", o.VneId.RedirectUri);
        RequireText(errors, "VneId:Scope", o.VneId.Scope);
        RequireRange(errors, "VneId:SignInLifetime", o.VneId.SignInLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
        RequireRange(errors, "VneId:TicketLifetime", o.VneId.TicketLifetime, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(30));
        if (o.VneId.AllowedReturnUrls.Count == 0)
        {
            errors.Add($"{Prefix}VneId:AllowedReturnUrls needs at least one entry (:0:Prefix, :0:Client): a URL prefix a sign-in may return to and the client that redeems its tickets.");
        }

        var prefixes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < o.VneId.AllowedReturnUrls.Count; i++)
        {
            var entry = o.VneId.AllowedReturnUrls[i];
            if (!VneId.ReturnUrlPolicy.IsValidPrefix(entry.Prefix))
            {
                errors.Add($"{Prefix}VneId:AllowedReturnUrls:{i}:Prefix ('{entry.Prefix}') must be an absolute http or https URL without user info, query or fragment.");
            }
            else if (!prefixes.Add(new Uri(entry.Prefix).AbsoluteUri))
            {
                errors.Add($"{Prefix}VneId:AllowedReturnUrls:{i}:Prefix ('{entry.Prefix}') is listed twice: a prefix has one owning client.");
            }

            if (string.IsNullOrWhiteSpace(entry.Client))
            {
                errors.Add($"{Prefix}VneId:AllowedReturnUrls:{i}:Client is required: the name of the client (Gateway:Clients) that redeems the tickets of sign-ins returning there.");
            }
        }

        RequireRange(errors, "ProbeTimeout", o.ProbeTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireText(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add($"{Prefix}{key} is required.");
        }
    }

    private static void RequireUrl(List<string> errors, string key, string? value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Prefix}{key} ('{value}') must be an absolute http or https URL.");
        }
    }

    private static void RequireRange(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Prefix}{key} ({value}) must be between {min} and {max}.");
        }
    }
}
