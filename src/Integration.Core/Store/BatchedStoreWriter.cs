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
        }, _ => Interlocked.Increment(ref _dropped));
    }

    protected GatewayStore Store => _store;

    public long Dropped => Interlocked.Read(ref _dropped);

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

    protected abstract Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<T> batch);

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
                await using var connection = await _store.OpenAsync(cancellationToken);
                await using var tx = await _store.BeginWriteAsync(connection, cancellationToken);
                await WriteAsync(connection, tx, batch);
                await tx.CommitAsync(cancellationToken);
                Interlocked.Add(ref _written, batch.Count);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                Log.BatchWriteFailed(_logger, typeof(T).Name, batch.Count, ex);
            }
            finally
            {
                _idle.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewIdle() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
