namespace Integration.Gateway.Security;

/// <summary>The calling systems and request limits (<c>Gateway</c> section).</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    public List<GatewayClient> Clients { get; set; } = [];

    /// <summary>Largest request body accepted.</summary>
    /// <value>64 KiB.</value>
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// The load balancers and reverse proxies in front of the gateway (<c>KnownProxies:0</c>, …): IP
    /// addresses (<c>10.0.0.5</c>, <c>fd00::5</c>) or CIDR networks (<c>10.0.0.0/24</c>). Only from
    /// these are <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> believed; from anywhere else they
    /// are ignored, so a caller cannot choose its own address for the per-address limits.
    /// </summary>
    /// <value>None: forwarded headers are ignored.</value>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Serve the OpenAPI document and Swagger UI in Production too (they are always served elsewhere).</summary>
    /// <value>false.</value>
    public bool PublishApiDocs { get; set; }

    /// <summary>
    /// Allow <c>http</c> upstream base URLs in Production (a closed internal network); the start log
    /// then names them. Otherwise every <c>Connectors:…Url</c> must be <c>https</c> in Production.
    /// </summary>
    /// <value>false.</value>
    public bool AllowHttpUpstreams { get; set; }
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
