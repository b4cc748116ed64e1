using Integration.Core.Jobs;
using Integration.Core.Problems;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Integration.Connectors.NationalPortal;

/// <summary>Refreshes the procedure catalogue (the clustered Quartz scheduler: one instance per firing).</summary>
internal sealed class PortalCatalogueJob(ProcedureCatalogue catalogue, PortalClient client, ILogger<PortalCatalogueJob> logger)
    : SystemJob
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

/// <summary>Pulls account statistics for the configured localities (the clustered Quartz scheduler: one instance per firing).</summary>
internal sealed class PortalAccountStatsJob(AccountStatistics statistics, PortalClient client)
    : SystemJob
{
    public static readonly JobKey Key = new("portal-account-stats");

    protected override Task RunAsync(CancellationToken cancellationToken) => statistics.RefreshAsync(client, cancellationToken);
}
