using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Store;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Core.Audit;

/// <summary>
/// One audit row: who looked up whose personal data, for what purpose, and the outcome; or which
/// operator acted on a connector. The subject is stored masked and as a keyed hash (so one
/// citizen's lookups can be found without storing the number).
/// </summary>
public sealed record AuditRecord(
    string Action,
    string Connector,
    string Result,
    string? Purpose = null,
    string? SubjectMasked = null,
    string? SubjectHash = null);

/// <summary>
/// Records audit rows for personal-data lookups and operator actions. A lookup's row is durable before its answer
/// leaves the gateway (<see cref="RecordLookupAsync"/>: group commit, the request waits for the write holding its
/// row); other rows are queued and retried on failure.
/// <list type="bullet">
/// <item>PostgreSQL: the group commit is a transaction of <c>audit_records</c>.</item>
/// <item>SQLite (a database file): the group commit is one append to this gateway's <see cref="AuditJournal"/>, and
/// the rows are copied into <c>audit_records</c> in the background, every <see cref="MoveInterval"/>, in one transaction
/// per copy that also records how far the journal has been copied. Reads through <see cref="ReadRecentAsync"/> and
/// <see cref="FlushAsync"/> wait for the copy. If the store refuses or holds the copy, lookups go on being answered
/// while the journal holds at most <see cref="StoreOptions.AuditJournalBacklog"/> rows; beyond that they are answered
/// 503 <c>store_unavailable</c>. A journal left by a crash is copied by the next gateway to start.</item>
/// </list>
/// </summary>
public sealed class AuditLog(
    GatewayStore store, CallerContext caller, PersonalDataProtector protector, IOptions<StoreOptions> options, TimeProvider time, ILogger<AuditLog> logger)
    : BatchedStoreWriter<AuditLog.Row>(store, time, logger, capacity: 10_000)
{
    /// <summary>How often journaled rows are copied into the store (they reach it in one transaction per copy).</summary>
    public static readonly TimeSpan MoveInterval = TimeSpan.FromMilliseconds(50);

    private const int MaxMoveBatch = 20_000;

    /// <summary>A journal past this size is retired for a new one, and deleted once all its rows are in the store (16 MB).</summary>
    internal long JournalRotateBytes { get; set; } = 16L * 1024 * 1024;

    private readonly Lock _journalLock = new();
    private readonly Channel<Journaled> _toMove = Channel.CreateUnbounded<Journaled>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<(AuditJournal Journal, long LastSequence)> _retired = [];
    private readonly int _backlog = options.Value.AuditJournalBacklog;
    private AuditJournal? _journal;
    private Task? _mover;
    private volatile bool _stopping;
    private bool _closed;
    private long _appended;
    private long _moved;
    private SqliteConnection? _moveConnection;
    private SqliteBatchStatements? _moveRows;
    private SqliteBatchStatements? _movePosition;

    /// <summary>SQLite: rows acknowledged from the journal but not yet in <c>audit_records</c>.</summary>
    public long Unmoved => Interlocked.Read(ref _appended) - Interlocked.Read(ref _moved);

    /// <summary>
    /// Records a lookup of <paramref name="subject"/> (an ID or phone number in clear; only its mask and keyed
    /// hash are kept) and completes once the row is durable (committed, or on SQLite appended to the audit journal). Throws <see cref="Problems.StoreUnavailableException"/>
    /// (503 <c>store_unavailable</c>) when the store cannot take it: the answer must then not be given.
    /// </summary>
    public Task RecordLookupAsync(string action, string connector, string? purpose, string subject, string subjectMasked, string result,
        CancellationToken cancellationToken = default) =>
        CommitAsync(ToRow(new AuditRecord(action, connector, result, purpose, subjectMasked, protector.Hash("subject", subject))), cancellationToken);

    /// <summary>Queues a lookup's row without waiting for it (a lookup that answered nothing personal, e.g. a failure).</summary>
    public void RecordLookup(string action, string connector, string? purpose, string subject, string subjectMasked, string result) =>
        Record(new AuditRecord(action, connector, result, purpose, subjectMasked, protector.Hash("subject", subject)));

    /// <summary>Queues a row without waiting (operator actions, refusals); a failed batch is retried.</summary>
    public void Record(AuditRecord record) => Enqueue(ToRow(record));

    private Row ToRow(AuditRecord record)
    {
        var now = Time.GetUtcNow();
        return new(
            RowId.New(now),
            now.ToUnixTimeMilliseconds(),
            caller.ClientName,
            record.Action,
            record.Connector,
            record.Purpose is null ? null : PersonalDataMask.Text(record.Purpose),
            record.SubjectMasked,
            record.SubjectHash,
            record.Result,
            caller.TraceId);
    }

    /// <summary>
    /// Reads the newest rows first (operators, tests). SQLite keeps the rows in the order they were committed and
    /// has no time index (see <see cref="CoreMigrations.AuditInCommitOrder"/>); PostgreSQL orders by time.
    /// </summary>
    public async Task<IReadOnlyList<Row>> ReadRecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        // Rows acknowledged before the call are read too, unless the store is holding the copy back (then what is there).
        using (var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            bounded.CancelAfter(CommitTimeout);
            await MovedAsync(Interlocked.Read(ref _appended), bounded.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        cancellationToken.ThrowIfCancellationRequested();
        await using var connection = await Store.OpenAsync(cancellationToken);
        var newestFirst = Store.Dialect == StoreDialect.Sqlite ? "rowid DESC" : "at DESC, id DESC";
        var rows = await connection.QueryAsync<Row>(
            $"""
            SELECT id AS Id, at AS At, client AS Client, action AS Action, connector AS Connector, purpose AS Purpose,
                   subject_masked AS SubjectMasked, subject_hash AS SubjectHash, result AS Result, trace_id AS TraceId
            FROM audit_records ORDER BY {newestFirst} LIMIT @limit
            """, new { limit });
        return rows.AsList();
    }

    protected override bool Journaling => _journal is not null;

    /// <summary>One append of the batch to the journal; refused when the store has fallen too far behind.</summary>
    protected override void Journal(IReadOnlyList<Row> rows)
    {
        lock (_journalLock)
        {
            var appended = _appended;
            if (appended - Interlocked.Read(ref _moved) + rows.Count > _backlog)
            {
                throw new StoreUnavailableException();
            }

            var journal = _journal!;
            journal.Append(rows, appended + 1);
            foreach (var row in rows)
            {
                _toMove.Writer.TryWrite(new Journaled(++appended, row, journal.Name));
            }

            Interlocked.Exchange(ref _appended, appended);
            if (journal.Length > JournalRotateBytes)
            {
                // Under steady load the copy never catches up with the last append, so one file would never be emptied.
                // If no new file can be made now, the full one goes on and the next append tries again.
                try
                {
                    _journal = AuditJournal.Create(Store.SqliteFile!);
                    _retired.Add((journal, appended));
                }
                catch (IOException ex)
                {
                    Log.BatchWriteFailed(Logger, nameof(AuditLog), 0, 0, "kept in the full journal (a new journal file could not be made)", ex);
                }
            }
        }
    }

    /// <summary>A journaled row waiting to be copied: its sequence number and the name of the journal that holds it.</summary>
    private readonly record struct Journaled(long Sequence, Row Row, string Journal);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Store.SqliteFile is { } database)
        {
            await RecoverOrphanedJournalsAsync(database, cancellationToken);
            _journal = AuditJournal.Create(database);
            _mover = Task.Run(MoveAsync, CancellationToken.None);
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken); // every queued row is in the journal (or refused)
        if (_mover is null)
        {
            return;
        }

        _stopping = true;
        _toMove.Writer.TryComplete();
        await _mover.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_journalLock)
        {
            _closed = true;
            var copied = Unmoved == 0;
            foreach (var journal in _retired.Select(r => r.Journal).Append(_journal!))
            {
                if (copied)
                {
                    journal.DisposeAndDelete();
                }
                else
                {
                    journal.Dispose(); // the next gateway to start copies what is left
                }
            }

            _retired.Clear();
        }

        if (_mover.IsCompleted)
        {
            CloseMoveConnection();
        }
    }

    /// <summary>Completes when every row queued before the call is in <c>audit_records</c> (tests and shutdown).</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await base.FlushAsync(cancellationToken);
        await MovedAsync(Interlocked.Read(ref _appended), cancellationToken);
    }

    private async Task MovedAsync(long sequence, CancellationToken cancellationToken)
    {
        while (_mover is { IsCompleted: false } && Interlocked.Read(ref _moved) < sequence)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>Copies journaled rows into the store every <see cref="MoveInterval"/>; a failed copy is retried (the rows stay in the journal).</summary>
    private async Task MoveAsync()
    {
        var batch = new List<Journaled>();
        var values = new object?[Columns.Count];
        var failures = 0;
        while (batch.Count > 0 || await _toMove.Reader.WaitToReadAsync())
        {
            if (!_stopping)
            {
                await Task.Delay(failures == 0 ? MoveInterval : Backoff(failures));
            }

            while (batch.Count < MaxMoveBatch && _toMove.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                await CopyAsync(batch, values);
            }
            catch (Exception ex)
            {
                failures++;
                CloseMoveConnection();
                if (failures == 1 || failures % 100 == 0)
                {
                    Log.AuditMoveFailed(Logger, failures, Unmoved, ex);
                }

                if (_stopping && failures >= 3)
                {
                    return; // the journal keeps them for the next start
                }

                continue;
            }

            failures = 0;
            var moved = batch[^1].Sequence;
            Interlocked.Exchange(ref _moved, moved);
            batch.Clear();
            lock (_journalLock)
            {
                // A retired journal whose rows are all in the store is no longer needed.
                while (!_closed && _retired.Count > 0 && _retired[0].LastSequence <= moved)
                {
                    _retired[0].Journal.DisposeAndDelete();
                    _retired.RemoveAt(0);
                }
            }
        }
    }

    /// <summary>One transaction: the rows, and how far each journal they came from has been copied.</summary>
    private async Task CopyAsync(List<Journaled> batch, object?[] values)
    {
        if (_moveConnection is null)
        {
            _moveConnection = (SqliteConnection)await Store.OpenDedicatedWriterAsync();
            _moveRows = new SqliteBatchStatements(_moveConnection, Table, Columns);
            _movePosition = new SqliteBatchStatements(_moveConnection, "audit_journals", ["journal", "moved_through"],
                "ON CONFLICT (journal) DO UPDATE SET moved_through = excluded.moved_through");
        }

        var rows = _moveRows!;
        var position = _movePosition!;
        await rows.InTransactionAsync(Store.SqliteBatchGate, () =>
        {
            for (var i = 0; i < batch.Count; i++)
            {
                Bind(batch[i].Row, values);
                rows.Insert(values);
                if (i == batch.Count - 1 || batch[i + 1].Journal != batch[i].Journal)
                {
                    position.Insert([batch[i].Journal, batch[i].Sequence]);
                }
            }
        });
    }

    private void CloseMoveConnection()
    {
        _moveRows?.Dispose();
        _movePosition?.Dispose();
        _moveConnection?.Dispose();
        _moveRows = null;
        _movePosition = null;
        _moveConnection = null;
    }

    /// <summary>
    /// Copies the rows that journals of stopped gateways hold and their store lacks (past the position recorded for
    /// each), then deletes those journals. A journal that cannot be copied now is kept for the next start.
    /// </summary>
    private async Task RecoverOrphanedJournalsAsync(string database, CancellationToken cancellationToken)
    {
        foreach (var (name, file) in AuditJournal.Orphans(database))
        {
            using (file)
            {
                try
                {
                    var rows = AuditJournal.Read(file);
                    await using (var connection = await Store.OpenAsync(cancellationToken))
                    {
                        var moved = await connection.ExecuteScalarAsync<long?>(
                            "SELECT moved_through FROM audit_journals WHERE journal = @name", new { name }) ?? 0;
                        var missing = rows.Where(r => r.Sequence > moved).Select(r => new Journaled(r.Sequence, r.Row, name)).ToList();
                        if (missing.Count > 0)
                        {
                            // As the running copy does: the rows and the journal's position in one transaction.
                            await CopyAsync(missing, new object?[Columns.Count]);
                            Log.AuditJournalRecovered(Logger, missing.Count, name);
                        }
                    }

                    File.Delete(file.Name); // still locked: no other starting gateway takes it meanwhile
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    CloseMoveConnection();
                    Log.AuditJournalRecoveryFailed(Logger, name, ex);
                }
            }
        }

        // Positions of journals that no longer exist (deleted once copied) are no longer needed.
        var directory = Path.GetDirectoryName(database)!;
        await using var positionsConnection = await Store.OpenAsync(cancellationToken);
        var positions = await positionsConnection.QueryAsync<string>("SELECT journal FROM audit_journals");
        var gone = positions.Where(p => !File.Exists(Path.Combine(directory, p))).ToArray();
        if (gone.Length > 0)
        {
            await positionsConnection.ExecuteAsync($"DELETE FROM audit_journals WHERE {Store.AnyOf("journal", "gone")}", new { gone });
        }
    }

    protected override string Table => "audit_records";

    protected override IReadOnlyList<string> Columns { get; } =
        ["id", "at", "client", "action", "connector", "purpose", "subject_masked", "subject_hash", "result", "trace_id"];

    protected override void Bind(Row row, object?[] values)
    {
        values[0] = row.Id;
        values[1] = row.At;
        values[2] = row.Client;
        values[3] = row.Action;
        values[4] = row.Connector;
        values[5] = row.Purpose;
        values[6] = row.SubjectMasked;
        values[7] = row.SubjectHash;
        values[8] = row.Result;
        values[9] = row.TraceId;
    }

    public sealed record Row(
        string Id, long At, string Client, string Action, string Connector, string? Purpose,
        string? SubjectMasked, string? SubjectHash, string Result, string? TraceId);
}
