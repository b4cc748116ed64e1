using Microsoft.Extensions.Options;

namespace Integration.Gateway.Security;

/// <summary>Stops the host at start when a client is misconfigured, naming the key.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Clients.Count; i++)
        {
            var c = options.Clients[i];
            var key = $"Gateway:Clients:{i}";
            if (string.IsNullOrWhiteSpace(c.Name))
            {
                errors.Add($"{key}:Name is required.");
            }
            else if (!names.Add(c.Name))
            {
                errors.Add($"{key}:Name '{c.Name}' is used by another client.");
            }

            if (c.KeyHash.Length != 64 || !c.KeyHash.All(char.IsAsciiHexDigit))
            {
                errors.Add($"{key}:KeyHash must be the SHA-256 of the API key as 64 hex digits.");
            }
            else if (!hashes.Add(c.KeyHash))
            {
                errors.Add($"{key}:KeyHash is the same as another client's: each client needs its own key.");
            }

            foreach (var scope in c.Scopes.Where(s => !Scopes.All.Contains(s)))
            {
                errors.Add($"{key}:Scopes has '{scope}'; known scopes are {string.Join(", ", Scopes.All)}.");
            }

            if (c.PermitPerMinute is < 1 or > 100_000_000)
            {
                errors.Add($"{key}:PermitPerMinute ({c.PermitPerMinute}) must be between 1 and 100000000.");
            }
        }

        if (options.MaxRequestBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"Gateway:MaxRequestBodyBytes ({options.MaxRequestBodyBytes}) must be between 1024 and 16777216.");
        }

        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (!ForwardedAddresses.TryParse(options.KnownProxies[i], out _, out _))
            {
                errors.Add($"Gateway:KnownProxies:{i} ('{options.KnownProxies[i]}') must be an IP address (10.0.0.5, fd00::5) or a CIDR network (10.0.0.0/24).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// In Production, every upstream URL (<c>Connectors:…:BaseUrl</c>, <c>…ApiUrl</c>, <c>…PayUrl</c>) must be
/// <c>https</c>, unless <c>Gateway:AllowHttpUpstreams</c> says the network is closed.
/// </summary>
internal sealed class UpstreamTransportValidator(IHostEnvironment environment, IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        if (!environment.IsProduction() || options.AllowHttpUpstreams)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = HttpUpstreams(configuration)
            .Select(e => $"{e.Key} ('{e.Value}') must be an https URL in Production; set Gateway:AllowHttpUpstreams=true only when the upstreams are reached over a closed internal network.")
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The upstream URL settings that are plain <c>http</c>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> HttpUpstreams(IConfiguration configuration) =>
        configuration.GetSection("Connectors").AsEnumerable()
            .Where(e => e.Value is { Length: > 0 }
                && e.Key.EndsWith("Url", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(e.Value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttp)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new KeyValuePair<string, string>(e.Key, e.Value!));
}

/// <summary>
/// Every client owning a VNeID return URL (<c>Connectors:Identity:VneId:AllowedReturnUrls:N:Client</c>) is a
/// configured client with the <c>identity</c> scope: otherwise its citizens' tickets could never be redeemed.
/// </summary>
internal sealed class VneIdOwnersValidator(IConfiguration configuration) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        foreach (var entry in configuration.GetSection("Connectors:Identity:VneId:AllowedReturnUrls").GetChildren())
        {
            var owner = entry["Client"];
            if (!string.IsNullOrWhiteSpace(owner)
                && !options.Clients.Any(c => string.Equals(c.Name, owner, StringComparison.Ordinal) && c.Scopes.Contains(Scopes.Identity)))
            {
                errors.Add($"{entry.Path}:Client ('{owner}') is not the name of a client in Gateway:Clients with the identity scope: it could never redeem the tickets of sign-ins returning to {entry["Prefix"]}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
