using System.Security.Claims;

namespace Integration.Core.Hosting;

/// <summary>
/// An authenticated calling system: the usual claims (its name and scopes), plus its name as a plain property.
/// The gateway builds one per configured client and reuses it on every request that client makes, so reading
/// who is calling (for every audit and monitoring row) need not search the claims.
/// </summary>
public class ClientPrincipal(string clientName, ClaimsIdentity identity) : ClaimsPrincipal(identity)
{
    public string ClientName { get; } = clientName;
}
