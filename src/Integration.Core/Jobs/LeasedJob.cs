using Integration.Core.Hosting;
using Quartz;

namespace Integration.Core.Jobs;

/// <summary>
/// Base of the gateway's Quartz jobs: runs <see cref="RunAsync"/> once per scheduled fire time across
/// all instances (see <see cref="JobLease"/>), with calls marked as made by <c>job:&lt;name&gt;</c> in
/// audit and monitoring rows. Jobs stay thin: they call connectors.
/// </summary>
[DisallowConcurrentExecution]
public abstract class LeasedJob(JobLease lease) : IJob
{
    /// <summary>How long a claim holds if the instance dies mid-run.</summary>
    protected virtual TimeSpan Hold => TimeSpan.FromMinutes(5);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.JobDetail.Key.Name;
        var slot = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        if (!await lease.TryClaimAsync(name, slot, Hold, cancellationToken))
        {
            return;
        }

        try
        {
            using (CallerContext.BeginSystemCall("job:" + name))
            {
                await RunAsync(cancellationToken);
            }
        }
        finally
        {
            await lease.ReleaseAsync(name, CancellationToken.None);
        }
    }

    protected abstract Task RunAsync(CancellationToken cancellationToken);
}
