namespace Integration.Gateway.Security;

/// <summary>The calling systems and request limits (<c>Gateway</c> section).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    public List<GatewayClient> Clients { get; set; } = [];

    /// <summary>Largest request body accepted.</summary>
    /// <value>64 KiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;
}

/// <summary>One calling system (<c>Gateway:Clients:N</c>).</summary>
public sealed class GatewayClient
{
    public string Name { get; set; } = "";

    /// <summary>SHA-256 of the API key, 64 hex digits. The key itself is never stored.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Any of <c>identity</c>, <c>telco</c>, <c>payment</c>, <c>portal</c>, <c>ops</c>.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>Requests allowed per minute; beyond it the client gets 429 with <c>Retry-After</c>.</summary>
    /// <value>600.</value>
    public int PermitPerMinute { get; set; } = 600;
}
