using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Integration.Core.Store;

/// <summary>
/// Opens connections to the durable store. SQL is written once where both dialects agree
/// (times are Unix milliseconds and every integer is a BIGINT, read as long, so both providers return the same CLR types; ids are TEXT, upserts use ON CONFLICT, which
/// SQLite and PostgreSQL share); <see cref="Dialect"/> tells the few places that differ.
/// </summary>
public sealed class GatewayStore : IDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqlite;

    public GatewayStore(IOptions<StoreOptions> options, IHostEnvironment environment)
    {
        var o = options.Value;
        if (o.Provider == "postgres")
        {
            Dialect = StoreDialect.Postgres;
            // The gateway leaves no session state on a connection (no SET, temporary table, LISTEN or session-level
            // lock: its locks are transaction-scoped), so a pooled connection needs no reset when it is returned.
            // Npgsql's reset is a DISCARD ALL, or seven statements once the connection holds a prepared statement (the
            // outbox prepares its insert and the write that rides with it): on every open, that cost more server time
            // than the preparing saved.
            _postgres = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(o.ConnectionString) { NoResetOnClose = true }.ConnectionString);
        }
        else
        {
            Dialect = StoreDialect.Sqlite;
            var builder = new SqliteConnectionStringBuilder(
                string.IsNullOrWhiteSpace(o.ConnectionString) ? "Data Source=.data/gateway.db" : o.ConnectionString);
            if (!Path.IsPathRooted(builder.DataSource) && builder.DataSource != ":memory:")
            {
                builder.DataSource = Path.Combine(environment.ContentRootPath, builder.DataSource);
            }

            var dir = Path.GetDirectoryName(builder.DataSource);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            if (builder.DataSource != ":memory:" && builder.Mode != SqliteOpenMode.Memory)
            {
                SqliteFile = builder.DataSource;
            }

            builder.Pooling = true;
            // Writers wait for each other instead of failing with SQLITE_BUSY.
            builder.DefaultTimeout = 30;
            _sqlite = builder.ToString();
        }
    }

    public StoreDialect Dialect { get; }

    /// <summary>The SQLite database's file (null on PostgreSQL or for an in-memory database).</summary>
    public string? SqliteFile { get; }

    /// <summary>
    /// <c>column</c> equal to one of the values of the list parameter <c>@parameter</c>. Dapper expands a list into
    /// <c>IN (@p1, @p2)</c> for SQLite, but hands Npgsql the whole array as one parameter, where the expanded list form is a
    /// syntax error (42601): PostgreSQL needs <c>= ANY(@p)</c>. Pass the values as an array.
    /// </summary>
    public string AnyOf(string column, string parameter) =>
        Dialect == StoreDialect.Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    /// <summary>
    /// Taken by the in-process batch writers around each SQLite write transaction. SQLite has one
    /// writer at a time and its busy handler waits in millisecond sleeps: two writers racing for the
    /// lock (audit and monitoring rows) dropped throughput to about a thousand rows a second;
    /// queueing them here keeps it in the tens of thousands.
    /// </summary>
    internal SemaphoreSlim SqliteBatchGate { get; } = new(1, 1);

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(_sqlite);
        await connection.OpenAsync(cancellationToken);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout={BusyMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit={WalSizeLimit};";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// A connection outside the pool for one long-lived writer (the batched audit and monitoring
    /// writers). On SQLite it commits with <c>synchronous=NORMAL</c>: in WAL mode that survives a process
    /// crash and loses at most the last batches on power loss, and it stays off the pooled connections
    /// payments and the outbox use, which keep SQLite's full fsync per commit. It never checkpoints the WAL
    /// itself (<see cref="SqliteCheckpointer"/> does, in the background): a checkpoint run by the commit that
    /// crossed SQLite's threshold copies pages and syncs the database file while every request waiting for
    /// that commit waits too, which made the slowest audited answers several milliseconds slower.
    /// </summary>
    public async Task<DbConnection> OpenDedicatedWriterAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(_sqlite) { Pooling = false }.ToString());
        await connection.OpenAsync(cancellationToken);
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA busy_timeout={BusyMilliseconds}; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={WalSizeLimit};";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    /// <summary>
    /// WAL frames (pages of 4 KB) beyond which <see cref="CheckpointAsync"/> makes the next writer start the log
    /// again from its beginning (16 MB).
    /// </summary>
    public const int WalRestartFrames = 4096;

    /// <summary>The size the WAL file is cut back to when it starts again from its beginning (64 MB).</summary>
    private const long WalSizeLimit = 64L * 1024 * 1024;

    /// <summary>
    /// SQLite: copies committed WAL pages into the database file without waiting for readers or writers (a passive
    /// checkpoint). Under a steady stream of commits a passive checkpoint never finds the log idle, so the log would
    /// never start again from its beginning and would grow without end (a gigabyte in a few minutes of load was
    /// seen): once it holds more than <paramref name="restartAboveFrames"/> frames, a restarting checkpoint follows,
    /// with the batch writers held back for it (the passive one has already copied nearly everything, so it is
    /// short). The next commit then writes from the log's beginning, over pages the file already has, and the file
    /// is cut back to 64 MB. Returns the frames the log held. Does nothing on PostgreSQL (returns 0).
    /// </summary>
    public async Task<long> CheckpointAsync(int restartAboveFrames = WalRestartFrames, CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return 0;
        }

        await using var connection = await OpenAsync(cancellationToken);
        var frames = await WalCheckpointAsync(connection, "PASSIVE", cancellationToken);
        if (frames > restartAboveFrames)
        {
            // The batch writers wait behind this gate, so the restart must not wait long for a reader still on an old
            // snapshot (a report query, say): with the pooled 30 s busy timeout it could hold audit commits past their
            // commit timeout. It gives up after a moment instead and the next checkpoint tries again.
            await SqliteBatchGate.WaitAsync(cancellationToken);
            try
            {
                await PragmaAsync(connection, $"PRAGMA busy_timeout={RestartBusyMilliseconds};", cancellationToken);
                await WalCheckpointAsync(connection, "RESTART", cancellationToken);
            }
            finally
            {
                SqliteBatchGate.Release();
                await PragmaAsync(connection, $"PRAGMA busy_timeout={BusyMilliseconds};", CancellationToken.None);
            }
        }

        return frames;
    }

    /// <summary>How long a SQLite statement waits for another session's lock before it fails with SQLITE_BUSY.</summary>
    private const int BusyMilliseconds = 30_000;

    /// <summary>How long a restarting checkpoint waits for readers and writers before it gives up for this round.</summary>
    private const int RestartBusyMilliseconds = 100;

    private static async Task PragmaAsync(DbConnection connection, string pragma, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs <c>wal_checkpoint(mode)</c>; returns the frames in the log (its second column).</summary>
    private static async Task<long> WalCheckpointAsync(DbConnection connection, string mode, CancellationToken cancellationToken)
    {
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = $"PRAGMA wal_checkpoint({mode});";
        await using var reader = await checkpoint.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? reader.GetInt64(1) : 0;
    }

    /// <summary>Begins a transaction that takes the write lock at once on SQLite (avoids lock upgrades that deadlock).</summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(deferred: false);
        }

        return await connection.BeginTransactionAsync(cancellationToken);
    }

    public void Dispose() => _postgres?.Dispose();
}
