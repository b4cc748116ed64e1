using System.Collections.Concurrent;
using System.Data.Common;
using System.Threading.Channels;
using Integration.Core.Problems;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Integration.Core.Store;

/// <summary>
/// Writes rows in batches on one background loop: whatever has accumulated while the previous batch
/// was written goes in the next transaction, so batches grow with load.
/// <list type="bullet">
/// <item><see cref="CommitAsync"/> (durable rows, e.g. the audit row of a personal-data answer): the caller
/// waits until the transaction holding its row has committed (group commit: many callers, one commit). If
/// the queue stays full beyond <see cref="QueueWait"/>, the batch fails or the commit takes longer than
/// <see cref="CommitTimeout"/>, it gets a <see cref="StoreUnavailableException"/> (503 <c>store_unavailable</c>),
/// so nothing is answered that is not recorded. Callers are released a batch at a time: the writer's loop resumes
/// a committed batch's callers in turn before it takes the next batch (no wake-up per row, nor per batch), and one
/// timer per writer refuses the callers whose commit is overdue (no timer per row).</item>
/// <item><see cref="Enqueue"/> (best-effort rows, e.g. monitoring): never waits; a failed batch is retried
/// with backoff (<see cref="MaxRetries"/> times) before its rows are dropped; a full queue drops the new
/// row. Both are counted (<see cref="Dropped"/>) and logged.</item>
/// </list>
/// The queue is bounded (<c>capacity</c>), so memory is too. An orderly stop drains it.
/// </summary>
public abstract class BatchedStoreWriter<T> : BackgroundService
{
    private const int MaxRetries = 10;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    private readonly Channel<Entry> _channel;
    private readonly GatewayStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<Entry> _carried = [];
    private readonly List<T> _rows = [];
    private int _carriedFailures;
    private DbConnection? _connection;
    private SqliteBatchStatements? _sqliteStatements;
    private long _dropped;
    private long _refused;
    private long _written;
    private long _failedBatches;
    private long _batches;
    private TaskCompletionSource _idle = NewIdle();
    private readonly ConcurrentQueue<Waiter> _waiting = new();
    private readonly ITimer _overdue;
    private int _sweeping;

    protected BatchedStoreWriter(GatewayStore store, TimeProvider time, ILogger logger, int capacity)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<Entry>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _overdue = time.CreateTimer(_ => RefuseOverdue(), null, OverdueCheck, OverdueCheck);
    }

    /// <summary>How often callers waiting longer than <see cref="CommitTimeout"/> are looked for.</summary>
    private static readonly TimeSpan OverdueCheck = TimeSpan.FromMilliseconds(100);

    protected GatewayStore Store => _store;

    protected TimeProvider Time => _time;

    protected ILogger Logger => _logger;

    /// <summary>Best-effort rows lost: the queue was full, or a batch failed <see cref="MaxRetries"/> times.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Durable rows refused (their callers were answered 503 <c>store_unavailable</c>).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public long Written => Interlocked.Read(ref _written);

    /// <summary>Transactions committed (<see cref="Written"/> over this is the mean batch size).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Batches whose transaction failed (each is retried or refused, never silently lost).</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>Rows waiting to be written.</summary>
    public int Queued => _channel.Reader.Count;

    protected int MaxBatch { get; init; } = 1000;

    /// <summary>How long a durable row waits for room in a full queue before its caller is refused.</summary>
    public TimeSpan QueueWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a durable row waits for its commit before its caller is refused.</summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Queues a best-effort row; never waits. A full queue drops the row (counted, logged).</summary>
    public void Enqueue(T item)
    {
        if (!_channel.Writer.TryWrite(new Entry(item, null)))
        {
            CountDropped(1);
        }
    }

    /// <summary>
    /// Queues a durable row and completes once the transaction holding it has committed. Throws
    /// <see cref="StoreUnavailableException"/> when the store cannot take it (queue full beyond
    /// <see cref="QueueWait"/>, the batch failed, or no commit within <see cref="CommitTimeout"/>).
    /// </summary>
    public Task CommitAsync(T item, CancellationToken cancellationToken = default)
    {
        var waiter = new Waiter(_time.GetTimestamp());
        var entry = new Entry(item, waiter);
        if (!_channel.Writer.TryWrite(entry))
        {
            return QueueThenWaitAsync(entry, cancellationToken);
        }

        // Once queued, the caller waits for the outcome even if its client has gone: the row is written either way,
        // and the wait is bounded by CommitTimeout. The caller awaits the waiter itself (no frame of this method in
        // between); a refusal completes it with the StoreUnavailableException.
        _waiting.Enqueue(waiter);
        return waiter.Task;
    }

    /// <summary>The queue is full: waits up to <see cref="QueueWait"/> for room, then for the commit.</summary>
    private async Task QueueThenWaitAsync(Entry entry, CancellationToken cancellationToken)
    {
        using (var wait = new CancellationTokenSource(QueueWait, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken))
        {
            try
            {
                await _channel.Writer.WriteAsync(entry, linked.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Refuse("the queue is full");
            }
            catch (ChannelClosedException)
            {
                throw Refuse("the gateway is stopping");
            }
        }

        _waiting.Enqueue(entry.Committed!);
        await entry.Committed!.Task;
    }

    /// <summary>Refuses the callers whose row has waited longer than <see cref="CommitTimeout"/> (oldest first: they queued in order).</summary>
    private void RefuseOverdue()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1)
        {
            return;
        }

        try
        {
            List<Waiter>? overdue = null;
            while (_waiting.TryPeek(out var waiter))
            {
                if (!waiter.Task.IsCompleted && _time.GetElapsedTime(waiter.QueuedAt) < CommitTimeout)
                {
                    break;
                }

                _waiting.TryDequeue(out _);
                if (!waiter.Task.IsCompleted)
                {
                    (overdue ??= []).Add(waiter);
                }
            }

            if (overdue is not null)
            {
                Release(overdue, Outcome.Overdue);
            }
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    /// <summary>
    /// Resumes the callers of one batch, in turn (<see cref="Waiter"/> does not force each onto its own work item).
    /// <list type="bullet">
    /// <item>Committed: on the writer's loop itself, before it takes the next batch. Each caller runs on until its
    /// next asynchronous wait, typically its answer handed to the server, so the batch costs no thread-pool work
    /// item and no thread woken to run it; the rows that arrive meanwhile make the next batch larger. Callers must
    /// not block synchronously after the commit (ASP.NET Core's request path is asynchronous throughout).</item>
    /// <item>Not committed: on one thread-pool work item, never on the writer's loop: each gets a
    /// <see cref="StoreUnavailableException"/>, and its problem answer and log line are not the writer's work.</item>
    /// </list>
    /// </summary>
    private void Release(List<Waiter> waiters, Outcome outcome)
    {
        if (waiters.Count == 0)
        {
            return;
        }

        if (outcome == Outcome.Committed)
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult();
            }

            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                foreach (var waiter in state.Waiters)
                {
                    if (waiter.TrySetException(new StoreUnavailableException()))
                    {
                        // Overdue: the row stays queued and will be written when the store answers; this answer is refused.
                        state.Writer.CountRefused(state.Outcome == Outcome.Overdue ? "the commit did not complete in time" : "the batch holding the row failed");
                    }
                }
            },
            (Writer: this, Waiters: waiters, Outcome: outcome),
            preferLocal: false);
    }

    private StoreUnavailableException Refuse(string reason)
    {
        CountRefused(reason);
        return new StoreUnavailableException();
    }

    private void CountRefused(string reason)
    {
        var refused = Interlocked.Increment(ref _refused);
        if (refused % 1000 == 1)
        {
            Log.RowsRefused(_logger, WriterName, reason, refused);
        }
    }

    private void CountDropped(long count)
    {
        var before = Interlocked.Add(ref _dropped, count) - count;
        if (before / 10_000 != (before + count) / 10_000 || before == 0)
        {
            Log.RowsDropped(_logger, WriterName, before + count);
        }
    }

    private string WriterName => GetType().Name;

    /// <summary>Completes when every row enqueued before the call has been written or given up (tests and shutdown).</summary>
    public virtual async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (_channel.Reader.Count > 0 || _carried.Count > 0 || !_idle.Task.IsCompleted)
        {
            await Task.WhenAny(_idle.Task, Task.Delay(20, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The table the rows go to.</summary>
    protected abstract string Table { get; }

    /// <summary>Its columns, in the order <see cref="Bind"/> fills them.</summary>
    protected abstract IReadOnlyList<string> Columns { get; }

    /// <summary>Copies one row's values into <paramref name="values"/>, in <see cref="Columns"/> order.</summary>
    protected abstract void Bind(T row, object?[] values);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Entry>(MaxBatch);
        var values = new object?[Columns.Count];
        _idle.TrySetResult();
        try
        {
            while (true)
            {
                if (_carried.Count > 0)
                {
                    // The last batch failed: wait, then try its best-effort rows again with whatever came since.
                    await Task.Delay(Backoff(_carriedFailures), _time, stoppingToken);
                }
                else if (!await _channel.Reader.WaitToReadAsync(stoppingToken))
                {
                    break;
                }

                await WriteNextBatchAsync(batch, values);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: write what is left so an orderly shutdown loses nothing (a few attempts at most).
        _channel.Writer.TryComplete();
        for (var attempt = 0; attempt < 3 && (_carried.Count > 0 || _channel.Reader.Count > 0); attempt++)
        {
            while (await WriteNextBatchAsync(batch, values) && _channel.Reader.Count > 0)
            {
            }
        }

        await CloseConnectionAsync();

        // Rows the store would not take before the stop: their callers are refused now rather than at their deadline.
        var unwritten = new List<Waiter>();
        while (_channel.Reader.TryRead(out var left))
        {
            if (left.Committed is { } waiter)
            {
                unwritten.Add(waiter);
            }
        }

        Release(unwritten, Outcome.Failed);
        if (Refused > 0 || Dropped > 0)
        {
            Log.WriterTotals(_logger, WriterName, Refused, Dropped, Written);
        }
    }

    /// <summary>The wait before retrying after <paramref name="failures"/> failed writes in a row: doubling from 100 ms, at most 2 s.</summary>
    protected static TimeSpan Backoff(int failures)
    {
        var delay = FirstBackoff * Math.Pow(2, Math.Max(0, failures - 1));
        return delay < MaxBackoff ? delay : MaxBackoff;
    }

    /// <summary>One transaction: the carried rows of a failed batch, then queued rows up to <see cref="MaxBatch"/>.</summary>
    private async Task<bool> WriteNextBatchAsync(List<Entry> batch, object?[] values)
    {
        _idle = NewIdle();
        batch.Clear();
        batch.AddRange(_carried);
        _carried.Clear();
        while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var entry))
        {
            batch.Add(entry);
        }

        try
        {
            if (batch.Count == 0)
            {
                return true;
            }

            try
            {
                await WriteAsync(batch, values);
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failedBatches);
                await CloseConnectionAsync(); // the store may have restarted: a fresh connection next time
                Failed(batch, ex);
                return false;
            }

            Interlocked.Add(ref _written, batch.Count);
            Interlocked.Increment(ref _batches);
            _carriedFailures = 0;
            Release(Waiters(batch), Outcome.Committed);

            return true;
        }
        finally
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>Durable rows' callers are refused at once; best-effort rows are carried to the next attempt, up to <see cref="MaxRetries"/>.</summary>
    private void Failed(List<Entry> batch, Exception ex)
    {
        _carriedFailures++;
        var giveUp = _carriedFailures > MaxRetries;
        var waiters = Waiters(batch);
        foreach (var entry in batch)
        {
            if (entry.Committed is null && !giveUp)
            {
                _carried.Add(entry);
            }
        }

        var refused = waiters.Count;
        Release(waiters, Outcome.Failed);

        var bestEffort = batch.Count - refused;
        if (giveUp)
        {
            _carriedFailures = 0;
            CountDropped(bestEffort);
        }

        Log.BatchWriteFailed(_logger, WriterName, batch.Count, refused, giveUp ? "dropped" : "retried", ex);
    }

    private async Task WriteAsync(List<Entry> batch, object?[] values)
    {
        if (Journaling)
        {
            _rows.Clear();
            foreach (var entry in batch)
            {
                _rows.Add(entry.Row);
            }

            Journal(_rows);
            return;
        }

        _connection ??= await _store.OpenDedicatedWriterAsync();
        if (_connection is NpgsqlConnection postgres)
        {
            await using var tx = await postgres.BeginTransactionAsync();
            await using (var copy = await postgres.BeginBinaryImportAsync(CopySql))
            {
                foreach (var entry in batch)
                {
                    Bind(entry.Row, values);
                    await copy.StartRowAsync();
                    foreach (var value in values)
                    {
                        if (value is null)
                        {
                            await copy.WriteNullAsync();
                        }
                        else
                        {
                            await copy.WriteAsync(value);
                        }
                    }
                }

                await copy.CompleteAsync();
            }

            await tx.CommitAsync();
            return;
        }

        // SQLite: BEGIN, one prepared single-row INSERT per row, COMMIT, all prepared once on this connection; the two
        // writers take turns on SQLite's single write lock.
        var statements = _sqliteStatements ??= new SqliteBatchStatements((SqliteConnection)_connection, Table, Columns);
        await statements.InTransactionAsync(_store.SqliteBatchGate, () =>
        {
            foreach (var entry in batch)
            {
                Bind(entry.Row, values);
                statements.Insert(values);
            }
        });
    }

    /// <summary>Whether batches go to <see cref="Journal"/> instead of the store.</summary>
    protected virtual bool Journaling => false;

    /// <summary>
    /// Writes one batch durably somewhere other than the store, when <see cref="Journaling"/> (see
    /// <see cref="Audit.AuditLog"/> on SQLite): its waiting callers are released once this returns; if it throws, they
    /// are refused as for a failed transaction.
    /// </summary>
    protected virtual void Journal(IReadOnlyList<T> rows) => throw new NotSupportedException();

    private string CopySql => $"COPY {Table} ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)";

    private async Task CloseConnectionAsync()
    {
        _sqliteStatements?.Dispose();
        _sqliteStatements = null;

        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    public override void Dispose()
    {
        _overdue.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private static List<Waiter> Waiters(List<Entry> batch)
    {
        var waiters = new List<Waiter>();
        foreach (var entry in batch)
        {
            if (entry.Committed is { } waiter)
            {
                waiters.Add(waiter);
            }
        }

        return waiters;
    }

    private static TaskCompletionSource NewIdle() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct Entry(T Row, Waiter? Committed);

    private enum Outcome
    {
        Committed,
        Failed,
        Overdue,
    }

    /// <summary>A caller waiting for its row's commit, and when it queued the row.</summary>
    private sealed class Waiter(long queuedAt) : TaskCompletionSource
    {
        public long QueuedAt { get; } = queuedAt;
    }
}
