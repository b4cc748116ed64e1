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
/// so nothing is answered that is not recorded.</item>
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
    private int _carriedFailures;
    private DbConnection? _connection;
    private SqliteBatchStatements? _sqliteStatements;
    private long _dropped;
    private long _refused;
    private long _written;
    private long _failedBatches;
    private long _batches;
    private TaskCompletionSource _idle = NewIdle();

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
    }

    protected GatewayStore Store => _store;

    protected TimeProvider Time => _time;

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
    public async Task CommitAsync(T item, CancellationToken cancellationToken = default)
    {
        var committed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var entry = new Entry(item, committed);
        if (!_channel.Writer.TryWrite(entry))
        {
            using var wait = new CancellationTokenSource(QueueWait, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, cancellationToken);
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

        bool ok;
        try
        {
            ok = await committed.Task.WaitAsync(CommitTimeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The row stays queued and will be written when the store answers; this answer is refused.
            throw Refuse("the commit did not complete in time");
        }

        if (!ok)
        {
            throw Refuse("the batch holding the row failed");
        }
    }

    private StoreUnavailableException Refuse(string reason)
    {
        var refused = Interlocked.Increment(ref _refused);
        if (refused % 1000 == 1)
        {
            Log.RowsRefused(_logger, WriterName, reason, refused);
        }

        return new StoreUnavailableException();
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
        if (Refused > 0 || Dropped > 0)
        {
            Log.WriterTotals(_logger, WriterName, Refused, Dropped, Written);
        }
    }

    private static TimeSpan Backoff(int failures)
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
            foreach (var entry in batch)
            {
                entry.Committed?.TrySetResult(true);
            }

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
        var refused = 0;
        foreach (var entry in batch)
        {
            if (entry.Committed is { } waiter)
            {
                waiter.TrySetResult(false);
                refused++;
            }
            else if (!giveUp)
            {
                _carried.Add(entry);
            }
        }

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
        await _store.SqliteBatchGate.WaitAsync();
        try
        {
            statements.Begin();
            try
            {
                foreach (var entry in batch)
                {
                    Bind(entry.Row, values);
                    statements.Insert(values);
                }

                statements.Commit();
            }
            catch
            {
                statements.Rollback();
                throw;
            }
        }
        finally
        {
            _store.SqliteBatchGate.Release();
        }
    }

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

    private static TaskCompletionSource NewIdle() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct Entry(T Row, TaskCompletionSource<bool>? Committed);
}
