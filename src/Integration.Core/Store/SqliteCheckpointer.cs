using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Integration.Core.Store;

/// <summary>
/// Checkpoints SQLite's write-ahead log every <see cref="Interval"/> in the background, for the batch writers'
/// connections, which leave checkpoints to it (see <see cref="GatewayStore.OpenDedicatedWriterAsync"/>). The
/// WAL stays bounded (see <see cref="GatewayStore.CheckpointAsync"/>), and no audited answer waits for a checkpoint
/// beyond the short restart that keeps it so. Nothing to do on PostgreSQL.
/// </summary>
internal sealed partial class SqliteCheckpointer(GatewayStore store, TimeProvider time, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    /// <summary>Short enough that the WAL stays a few megabytes under the heaviest audit load measured.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Dialect != StoreDialect.Sqlite)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, time);
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await store.CheckpointAsync(cancellationToken: stoppingToken);
                failing = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store's own errors reach callers through the writers and readiness; say it once per outage here.
                if (!failing)
                {
                    LogCheckpointFailed(logger, ex);
                }

                failing = true;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpointing the SQLite write-ahead log failed; retrying in the background.")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
