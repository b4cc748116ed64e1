namespace Integration.Core.Store;

/// <summary>
/// One versioned schema change, applied once at start in the order of <see cref="Id"/>. Ids are
/// ranged per module so that order is stable: core <c>0xxx</c>, identity <c>1xxx</c>, telco <c>2xxx</c>,
/// payment <c>3xxx</c>, portal <c>4xxx</c>, linked procedures <c>6xxx</c>, indicators <c>7xxx</c>, host <c>9xxx</c>. Never edit a released migration: add one.
/// </summary>
/// <param name="Id">e.g. <c>0001-core-audit</c>.</param>
/// <param name="Sqlite">The SQL for SQLite.</param>
/// <param name="Postgres">The SQL for PostgreSQL; null when it is the same as <paramref name="Sqlite"/>.</param>
public sealed record StoreMigration(string Id, string Sqlite, string? Postgres = null)
{
    public string For(StoreDialect dialect) => dialect == StoreDialect.Postgres ? Postgres ?? Sqlite : Sqlite;
}
