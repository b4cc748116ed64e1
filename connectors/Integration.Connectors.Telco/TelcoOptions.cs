using Integration.Core.Http;

namespace Integration.Connectors.Telco;

/// <summary>The Telco connector's settings (<c>Connectors:Telco</c>), checked at start.</summary>
public sealed class TelcoOptions
{
    /// <summary>The number portability lookup (<c>Connectors:Telco:Mnp</c>).</summary>
    public MnpOptions Mnp { get; set; } = new();

    /// <summary>Viettel's ownership service (<c>Connectors:Telco:Viettel</c>).</summary>
    public ViettelOptions Viettel { get; set; } = new();

    /// <summary>VinaPhone's (VNPT) ownership service (<c>Connectors:Telco:Vnpt</c>).</summary>
    public VnptOptions Vnpt { get; set; } = new();

    /// <summary>MobiFone's ownership service (<c>Connectors:Telco:Mobifone</c>).</summary>
    public MobifoneOptions Mobifone { get; set; } = new();

    /// <summary>How long a portability answer and a carrier's ownership answer are served from the cache.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an answer is kept in all, to be served (marked stale) while the upstream fails; at least <see cref="CacheTtl"/>.</summary>
    /// <value>1 hour.</value>
    public TimeSpan StaleTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most one upstream's probe may take.</summary>
    /// <value>5 seconds.</value>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>The number portability lookup: <c>GET {BaseUrl}/v1/numbers/{msisdn}</c>.</summary>
public sealed class MnpOptions
{
    /// <summary>Base URL, may carry a path prefix; required.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>
    /// The most the lookup may take, retries included, before the check gives up on it and asks the
    /// carrier of the number's prefix instead.
    /// </summary>
    /// <value>3 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The number the probe looks up: a reserved number that belongs to no subscriber.</summary>
    /// <value><c>84900000000</c>.</value>
    public string ProbeMsisdn { get; set; } = "84900000000";
}

/// <summary>Viettel: <c>POST {BaseUrl}/v1/subscribers/ownership</c> with header <c>X-Partner-Key</c>.</summary>
public sealed class ViettelOptions
{
    /// <summary>Base URL, may carry a path prefix; required.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>The partner key Viettel issued to the province; required, a secret.</summary>
    public string? PartnerKey { get; set; }
}

/// <summary>VinaPhone (VNPT): a client-credentials token from <c>{BaseUrl}/oauth/token</c>, then <c>GET {BaseUrl}/api/thuebao/{msisdn}/chinhchu</c>.</summary>
public sealed class VnptOptions
{
    /// <summary>Base URL, may carry a path prefix; required.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>OAuth client id; required.</summary>
    public string? ClientId { get; set; }

    /// <summary>OAuth client secret; required, a secret.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A token is renewed this long before it expires (at half its lifetime when it lives shorter than twice this).</summary>
    /// <value>1 minute.</value>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The token account in the shape Core's client-credentials token takes.</summary>
    internal ClientCredentialsOptions Credentials => new()
    {
        BaseUrl = BaseUrl ?? "",
        ClientId = ClientId ?? "",
        ClientSecret = ClientSecret ?? "",
        RefreshBeforeExpiry = TokenRefreshMargin,
    };
}

/// <summary>MobiFone: <c>POST {BaseUrl}/SubscriberService</c> with an XML body.</summary>
public sealed class MobifoneOptions
{
    /// <summary>Base URL, may carry a path prefix; required.</summary>
    public string? BaseUrl { get; set; }
}
