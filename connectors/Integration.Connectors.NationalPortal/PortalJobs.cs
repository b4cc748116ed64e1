using Integration.Core.Jobs;
using Integration.Core.Problems;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Integration.Connectors.NationalPortal;

/// <summary>Refreshes the procedure catalogue (Quartz, once per slot across instances).</summary>
internal sealed class PortalCatalogueJob(JobLease lease, ProcedureCatalogue catalogue, PortalClient client, ILogger<PortalCatalogueJob> logger)
    : LeasedJob(lease)
{
    public static readonly JobKey Key = new("portal-catalogue");

    protected override async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (count, pages) = await catalogue.RefreshAsync(client, cancellationToken);
            Log.CatalogueRefreshed(logger, count, pages);
        }
        catch (UpstreamException ex)
        {
            Log.CatalogueRefreshFailed(logger, ex.Detail ?? ex.Title);
        }
    }
}

/// <summary>Pulls account statistics for the configured localities (Quartz, once per slot across instances).</summary>
internal sealed class PortalAccountStatsJob(JobLease lease, AccountStatistics statistics, PortalClient client)
    : LeasedJob(lease)
{
    public static readonly JobKey Key = new("portal-account-stats");

    protected override Task RunAsync(CancellationToken cancellationToken) => statistics.RefreshAsync(client, cancellationToken);
}
