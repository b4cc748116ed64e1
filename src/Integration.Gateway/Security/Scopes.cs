namespace Integration.Gateway.Security;

/// <summary>The scopes a client may hold; each is also the name of the authorization policy that requires it.</summary>
public static class Scopes
{
    public const string ClaimType = "scope";
    public const string Identity = "identity";
    public const string Telco = "telco";
    public const string Payment = "payment";
    public const string Portal = "portal";
    public const string Linked = "linked";
    public const string Ops = "ops";
    public const string Reports = "reports";

    /// <summary>Policy for the citizen readiness check, which needs both identity and telco.</summary>
    public const string IdentityAndTelco = "identity+telco";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { Identity, Telco, Payment, Portal, Linked, Ops, Reports };

    /// <summary>
    /// Every authorization policy of the gateway by name, with the scopes it requires of an authenticated client:
    /// one per scope, and <see cref="IdentityAndTelco"/>. The policies are built from this table, and the scope check
    /// on the request path reads it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> Policies = All
        .Select(scope => KeyValuePair.Create(scope, new[] { scope }))
        .Append(KeyValuePair.Create(IdentityAndTelco, new[] { Identity, Telco }))
        .ToDictionary(StringComparer.Ordinal);
}
