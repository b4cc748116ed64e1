using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Integration.Core.Store;

/// <summary>
/// Writes rows off the request path: callers enqueue, one background loop inserts whatever has
/// accumulated in a single transaction (so batches grow with load), and a stop drains the queue.
/// A full queue drops the oldest row and counts it rather than slowing callers down.
/// </summary>
public abstract class BatchedStoreWriter<T> : BackgroundService
{
    private readonly Channel<T> _channel;
    private readonly GatewayStore _store;
    private readonly ILogger _logger;
    private DbConnection? _connection;
    private long _dropped;
    private long _written;
    private TaskCompletionSource _idle = NewIdle();

    protected BatchedStoreWriter(GatewayStore store, ILogger logger, int capacity = 100_000)
    {
        _store = store;
        _logger = logger;
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => OnDropped());
    }

    protected GatewayStore Store => _store;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// The queue is full because the store cannot keep up: the oldest row is dropped so requests are
    /// not slowed down. Operators are told (a warning per 10,000 rows dropped, and the dropped count on
    /// the <c>gateway.store.rows_dropped</c> counter) rather than left to find out from a gap.
    /// </summary>
    private void OnDropped()
    {
        var dropped = Interlocked.Increment(ref _dropped);
        if (dropped % 10_000 == 1)
        {
            Log.RowsDropped(_logger, typeof(T).DeclaringType?.Name ?? typeof(T).Name, dropped);
        }
    }

    public long Written => Interlocked.Read(ref _written);

    protected int MaxBatch { get; init; } = 1000;

    public void Enqueue(T item) => _channel.Writer.TryWrite(item);

    /// <summary>Completes when every row enqueued before the call has been written (tests and shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        while (_channel.Reader.Count > 0 || !_idle.Task.IsCompleted)
        {
            await Task.WhenAny(_idle.Task, Task.Delay(50, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The table the rows go to.</summary>
    protected abstract string Table { get; }

    /// <summary>Its columns, in the order <see cref="Bind"/> fills them.</summary>
    protected abstract IReadOnlyList<string> Columns { get; }

    /// <summary>Copies one row's values into <paramref name="values"/>, in <see cref="Columns"/> order.</summary>
    protected abstract void Bind(T row, object?[] values);

    /// <summary>
    /// Inserts the batch with multi-row INSERT statements (up to <see cref="RowsPerStatement"/> rows each):
    /// one statement per hundred rows instead of one per row is what lets the writers keep up with a
    /// cached endpoint serving tens of thousands of requests a second.
    /// </summary>
    private async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<T> batch)
    {
        var columns = Columns;
        var values = new object?[columns.Count];
        for (var start = 0; start < batch.Count; start += RowsPerStatement)
        {
            var rows = Math.Min(RowsPerStatement, batch.Count - start);
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = InsertSql(rows);
            for (var r = 0; r < rows; r++)
            {
                Bind(batch[start + r], values);
                for (var c = 0; c < values.Length; c++)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = $"@p{r}_{c}";
                    parameter.Value = values[c] ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }
            }

            await command.ExecuteNonQueryAsync();
        }
    }

    private const int RowsPerStatement = 100;
    private readonly Dictionary<int, string> _insertSql = [];

    private string InsertSql(int rows)
    {
        if (!_insertSql.TryGetValue(rows, out var sql))
        {
            var builder = new System.Text.StringBuilder()
                .Append("INSERT INTO ").Append(Table).Append(" (").Append(string.Join(", ", Columns)).Append(") VALUES ");
            for (var r = 0; r < rows; r++)
            {
                builder.Append(r == 0 ? "(" : ", (");
                builder.Append(string.Join(", ", Enumerable.Range(0, Columns.Count).Select(c => $"@p{r}_{c}")));
                builder.Append(')');
            }

            _insertSql[rows] = sql = builder.ToString();
        }

        return sql;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<T>(MaxBatch);
        _idle.TrySetResult();
        try
        {
            while (await _channel.Reader.WaitToReadAsync(stoppingToken))
            {
                await DrainAsync(batch, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: write what is left so an orderly shutdown loses nothing.
        await DrainAsync(batch, CancellationToken.None);
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    private async Task DrainAsync(List<T> batch, CancellationToken cancellationToken)
    {
        while (_channel.Reader.TryPeek(out _))
        {
            _idle = NewIdle();
            batch.Clear();
            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                _connection ??= await _store.OpenDedicatedWriterAsync(cancellationToken);
                var gate = _store.Dialect == StoreDialect.Sqlite ? _store.SqliteBatchGate : null;
                if (gate is not null)
                {
                    await gate.WaitAsync(cancellationToken);
                }

                try
                {
                    await using var tx = await _store.BeginWriteAsync(_connection, cancellationToken);
                    await WriteAsync(_connection, tx, batch);
                    await tx.CommitAsync(cancellationToken);
                }
                finally
                {
                    gate?.Release();
                }

                Interlocked.Add(ref _written, batch.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                Log.BatchWriteFailed(_logger, typeof(T).Name, batch.Count, ex);
                // The store may have restarted: open a fresh connection for the next batch.
                if (_connection is not null)
                {
                    await _connection.DisposeAsync();
                    _connection = null;
                }
            }
            finally
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewIdle() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
