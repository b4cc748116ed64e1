using Microsoft.Extensions.Diagnostics.HealthChecks;
using Quartz;

namespace Integration.Gateway.Operations;

/// <summary>Ready only while the Quartz scheduler runs (probes, outbox dispatch, reconciliation and catalogue jobs depend on it).</summary>
internal sealed class SchedulerHealthCheck(ISchedulerFactory factory) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await factory.GetScheduler(cancellationToken);
        return scheduler.Status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy($"Scheduler {scheduler.SchedulerName} is running.")
            : HealthCheckResult.Unhealthy($"Scheduler {scheduler.SchedulerName} is {scheduler.Status.ToString().ToLowerInvariant()}.");
    }
}
