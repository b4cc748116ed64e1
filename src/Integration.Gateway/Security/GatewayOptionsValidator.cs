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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
