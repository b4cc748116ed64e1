namespace Integration.Core.Caching;

/// <summary>The optional L2 cache shared by every gateway instance.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>StackExchange.Redis configuration (<c>127.0.0.1:6379</c>); empty means in-memory cache only.</summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key this gateway writes, so that several deployments can share one Redis.</summary>
    /// <value><c>gw:</c></value>
    public string KeyPrefix { get; set; } = "gw:";

    /// <summary>How long one Redis command may take before Redis is treated as down for this request.</summary>
    /// <value>250 milliseconds.</value>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(250);
}
