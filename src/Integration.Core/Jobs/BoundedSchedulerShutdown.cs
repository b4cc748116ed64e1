using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Integration.Core.Jobs;

/// <summary>
/// Stops every Quartz scheduler within a bounded time. Quartz's clustered job store retries a failed
/// database operation until it succeeds, and its shutdown waits for that retry: with the database gone, an
/// instance would never stop. Registered after Quartz's hosted service, this stops first (hosted services
/// stop in reverse order), waits for running jobs up to <c>Gateway:Scheduler:ShutdownTimeout</c> (default
/// 15 s), then lets the host go on stopping; Quartz's own service then finds its schedulers shutting down.
/// </summary>
internal sealed partial class BoundedSchedulerShutdown(ISchedulerFactory schedulers, TimeSpan limit, ILogger<BoundedSchedulerShutdown> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var scheduler in await schedulers.GetAllSchedulers(cancellationToken))
        {
            // A scheduler whose start is still pending (Quartz starts it once the application has started)
            // is left to Quartz's own service, which cancels the start: shut down here, it could not start later.
            if (scheduler.Status is not (SchedulerStatus.Running or SchedulerStatus.Standby))
            {
                continue;
            }

            try
            {
                await scheduler.Shutdown(waitForJobsToComplete: true, cancellationToken).AsTask().WaitAsync(limit, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                LogNotStopped(logger, scheduler.SchedulerName, limit);
            }
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning,
        Message = "Scheduler {Scheduler} did not stop within {Limit} (its job store may be unreachable); the host stops without waiting for it")]
    private static partial void LogNotStopped(ILogger logger, string scheduler, TimeSpan limit);
}

public static class BoundedSchedulerShutdownExtensions
{
    /// <summary>Bounds how long stopping the host waits for the Quartz schedulers; call after <c>AddQuartzHostedService</c>.</summary>
    public static IServiceCollection AddBoundedSchedulerShutdown(this IServiceCollection services, TimeSpan limit) =>
        services.AddHostedService(sp => new BoundedSchedulerShutdown(
            sp.GetRequiredService<ISchedulerFactory>(), limit, sp.GetRequiredService<ILogger<BoundedSchedulerShutdown>>()));
}
