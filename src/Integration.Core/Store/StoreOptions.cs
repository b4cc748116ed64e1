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

    /// <summary>
    /// SQLite: how many acknowledged audit rows may wait in the audit journal for the store (which is refusing or
    /// holding them) before lookups are answered 503 <c>store_unavailable</c>. Each row is a few hundred bytes of disk.
    /// </summary>
    /// <value>100,000.</value>
    [Range(1, int.MaxValue)]
    public int AuditJournalBacklog { get; set; } = 100_000;
}

public enum StoreDialect
{
    Sqlite,
    Postgres,
}
