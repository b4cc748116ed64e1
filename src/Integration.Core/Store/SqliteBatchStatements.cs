using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Integration.Core.Store;

/// <summary>
/// The three statements of a batch writer's SQLite transaction (<c>BEGIN IMMEDIATE</c>, the single-row
/// <c>INSERT</c>, <c>COMMIT</c>), prepared once on the writer's own connection and run through SQLite's C API.
/// <para>
/// Going through <see cref="SqliteCommand"/> cost more than SQLite itself: every row built a data reader and
/// walked the parameter collection, and every batch parsed <c>BEGIN</c> and <c>COMMIT</c> afresh. Here a row is
/// its values bound in place (text as UTF-16, which SQLite converts on its side) and one step.
/// </para>
/// The connection's <c>busy_timeout</c> still applies: a step that meets another writer's lock waits for it.
/// </summary>
internal sealed class SqliteBatchStatements : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _commit;
    private readonly int _columns;

    /// <summary>Prepares the statements for <paramref name="table"/>'s <paramref name="columns"/>; <paramref name="onConflict"/>,
    /// if given, is appended to the <c>INSERT</c> (an upsert's <c>ON CONFLICT …</c> clause).</summary>
    public SqliteBatchStatements(SqliteConnection connection, string table, IReadOnlyList<string> columns, string? onConflict = null)
    {
        _connection = connection;
        _columns = columns.Count;
        _begin = Prepare("BEGIN IMMEDIATE");
        _insert = Prepare($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "?" + (i + 1)))}) {onConflict}");
        _commit = Prepare("COMMIT");
    }

    private sqlite3 Db => _connection.Handle!;

    private void Begin() => Step(_begin);

    /// <summary>Inserts one row; <paramref name="values"/> in column order (null, text, integers, reals, booleans).</summary>
    public void Insert(object?[] values)
    {
        for (var i = 0; i < _columns; i++)
        {
            var rc = values[i] switch
            {
                null or DBNull => raw.sqlite3_bind_null(_insert, i + 1),
                string text => raw.sqlite3_bind_text16(_insert, i + 1, text.AsSpan()),
                long number => raw.sqlite3_bind_int64(_insert, i + 1, number),
                int number => raw.sqlite3_bind_int64(_insert, i + 1, number),
                double real => raw.sqlite3_bind_double(_insert, i + 1, real),
                bool flag => raw.sqlite3_bind_int64(_insert, i + 1, flag ? 1 : 0),
                var other => throw new NotSupportedException($"A batch writer cannot store a {other.GetType().Name}."),
            };
            Check(rc);
        }

        Step(_insert);
    }

    private void Commit() => Step(_commit);

    /// <summary>
    /// Runs <paramref name="write"/> in one transaction of these statements (<c>BEGIN IMMEDIATE</c> … <c>COMMIT</c>, rolled
    /// back if it throws), holding <paramref name="gate"/>, the in-process writers' turn at SQLite's single write lock.
    /// </summary>
    public async Task InTransactionAsync(SemaphoreSlim gate, Action write)
    {
        await gate.WaitAsync();
        try
        {
            Begin();
            try
            {
                write();
                Commit();
            }
            catch
            {
                Rollback();
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Ends a transaction left open by a failed step (a no-op when none is open).</summary>
    private void Rollback()
    {
        if (raw.sqlite3_get_autocommit(Db) == 0)
        {
            raw.sqlite3_exec(Db, "ROLLBACK");
        }
    }

    public void Dispose()
    {
        _begin.Dispose();
        _insert.Dispose();
        _commit.Dispose();
    }

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(Db, sql, out var statement));
        return statement;
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        if (rc != raw.SQLITE_DONE)
        {
            var error = Error(rc);
            raw.sqlite3_reset(statement);
            throw error;
        }

        raw.sqlite3_reset(statement);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Error(rc);
        }
    }

    private SqliteException Error(int rc) =>
        new($"SQLite Error {rc}: '{raw.sqlite3_errmsg(Db).utf8_to_string()}'.", rc, raw.sqlite3_extended_errcode(Db));
}
