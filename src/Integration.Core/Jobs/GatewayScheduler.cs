using Integration.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Integration.Core.Jobs;

/// <summary>
/// The gateway's two Quartz schedulers. The default scheduler runs the cluster-wide jobs (payment
/// reconciliation, portal catalogue, account statistics): on PostgreSQL it is Quartz's clustered ADO job
/// store (tables <c>qrtz_*</c>, created by the gateway's migrations), so each firing runs on exactly one
/// instance; on SQLite (one instance) it keeps its schedule in memory. The <see cref="InstanceSchedulerName"/>
/// scheduler runs per-instance work (probes, control sync) in memory on every instance.
/// </summary>
public static class GatewayScheduler
{
    /// <summary>The per-instance scheduler, registered with <c>AddQuartz(InstanceSchedulerName, …)</c>.</summary>
    public const string InstanceSchedulerName = "instance";

    /// <summary>Configures the default (cluster-wide) scheduler's store from <c>Store:Provider</c> and <c>Store:ConnectionString</c>.</summary>
    public static IServiceCollection AddClusterScheduler(this IServiceCollection services, IConfiguration configuration)
    {
        var store = configuration.GetSection(StoreOptions.SectionName).Get<StoreOptions>() ?? new StoreOptions();
        services.AddQuartz(q =>
        {
            if (store.Provider == "postgres" && !string.IsNullOrWhiteSpace(store.ConnectionString))
            {
                q.UsePersistentStore(s =>
                {
                    s.UsePostgres(Npgsql.NpgsqlFactory.Instance, store.ConnectionString);
                    s.UseClustering();
                    s.UseSystemTextJsonSerializer();
                });
            }
            else
            {
                q.UseInMemoryStore();
            }
        });
        return services;
    }
}
