using Integration.Core.Hosting;
using Quartz;

namespace Integration.Core.Jobs;

/// <summary>
/// Base of the gateway's Quartz jobs: runs <see cref="RunAsync"/> with calls marked as made by
/// <c>job:&lt;name&gt;</c> in audit and monitoring rows, never twice at once. Which instance runs a
/// cluster-wide job's firing is Quartz's clustered job store's business (see <see cref="GatewayScheduler"/>).
/// Jobs stay thin: they call connectors.
/// </summary>
[DisallowConcurrentExecution]
public abstract class SystemJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using (CallerContext.BeginSystemCall("job:" + context.JobDetail.Key.Name))
        {
            await RunAsync(cancellationToken);
        }
    }

    protected abstract Task RunAsync(CancellationToken cancellationToken);
}
