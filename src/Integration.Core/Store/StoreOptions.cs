using System.ComponentModel.DataAnnotations;

namespace Integration.Core.Store;

/// <summary>Which database holds payments, idempotency records, the outbox, audit and monitoring rows.</summary>
public sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary><c>sqlite</c> (default, zero setup) or <c>postgres</c>.</summary>
    [Required]
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Store:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// ADO.NET connection string. Default for SQLite: <c>Data Source=.data/gateway.db</c> under the
    /// content root. Required for PostgreSQL.
    /// </summary>
    public string? ConnectionString { get; set; }
}

public enum StoreDialect
{
    Sqlite,
    Postgres,
}
