using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;

namespace Integration.Connectors.NationalPortal;

/// <summary>Composition of the NationalPortal connector.</summary>
public static class NationalPortalServiceCollectionExtensions
{
    /// <summary>The connector's name, as in <c>Connectors:NationalPortal</c>.</summary>
    public const string ConnectorName = "NationalPortal";

    // A zone the clustered job store can find again by its id when it reads the trigger back (UTC+7, no DST);
    // the custom zone only where the system has no time zone database.
    private static readonly TimeZoneInfo VietnamZone =
        TimeZoneInfo.TryFindSystemTimeZoneById("Asia/Ho_Chi_Minh", out var zone)
            ? zone
            : TimeZoneInfo.CreateCustomTimeZone("Vietnam", TimeSpan.FromHours(7), "Vietnam (UTC+7)", "Vietnam (UTC+7)");

    /// <summary>
    /// Adds the NationalPortal connector, configured from <paramref name="section"/> (<c>Connectors:NationalPortal</c>):
    /// <see cref="INationalPortal"/>, the outbox handler that sends dossier status changes, the catalogue and
    /// statistics jobs, and the connector probe.
    /// </summary>
    public static IServiceCollection AddNationalPortalConnector(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<NationalPortalOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NationalPortalOptions>, NationalPortalOptionsValidator>());
        services.AddConnectorResilience(ConnectorName, section);
        services.AddUpstreamRefitClient<IPortalAuthApi>(ConnectorName, PortalClient.Upstream, PortalJsonContext.Default, sp => Options(sp).BaseUrl, safeToRetry: true);
        services.AddUpstreamRefitClient<IPortalApi>(ConnectorName, PortalClient.Upstream, PortalJsonContext.Default, sp => Options(sp).BaseUrl, safeToRetry: true)
            .AddCredentialHandler<PortalSession>();
        services.TryAddTransient<PortalClient>();

        services.AddSingleton(ProcedureCatalogue.Migration);
        services.AddSingleton(AccountStatistics.Migration);
        services.TryAddSingleton<ProcedureCatalogue>();
        services.TryAddSingleton<AccountStatistics>();
        services.AddOutboxHandler<PortalSyncHandler>();
        services.AddOutboxHandler<PortalProgressHandler>();
        services.TryAddSingleton<INationalPortal, NationalPortalService>();
        services.AddSingleton<IConnectorProbe, PortalProbe>();

        var pullAtStart = section.GetValue(nameof(NationalPortalOptions.PullAtStart), true);
        services.AddQuartz(q =>
        {
            q.AddJob<PortalCatalogueJob>(j => j.WithIdentity(PortalCatalogueJob.Key).StoreDurably());
            q.AddJob<PortalAccountStatsJob>(j => j.WithIdentity(PortalAccountStatsJob.Key).StoreDurably());
            q.AddTrigger<PortalCatalogueJob>((sp, t) => t
                .ForJob(PortalCatalogueJob.Key)
                .WithIdentity("portal-catalogue-schedule")
                .WithCronSchedule(Options(sp).CatalogueSchedule, c => c.InTimeZone(VietnamZone)));
            q.AddTrigger<PortalAccountStatsJob>((sp, t) => t
                .ForJob(PortalAccountStatsJob.Key)
                .WithIdentity("portal-account-stats-schedule")
                .WithCronSchedule(Options(sp).AccountStatsSchedule, c => c.InTimeZone(VietnamZone)));
            if (pullAtStart)
            {
                // Quartz fires on its own clock (the system clock; Program.cs gives it no other), so the
                // start time is taken from that clock, not from the injected TimeProvider.
                q.AddTrigger<PortalCatalogueJob>((sp, t) => t
                    .ForJob(PortalCatalogueJob.Key)
                    .WithIdentity("portal-catalogue-at-start")
                    .StartAt(TimeProvider.System.GetUtcNow() + Options(sp).PullAtStartDelay));
                q.AddTrigger<PortalAccountStatsJob>((sp, t) => t
                    .ForJob(PortalAccountStatsJob.Key)
                    .WithIdentity("portal-account-stats-at-start")
                    .StartAt(TimeProvider.System.GetUtcNow() + Options(sp).PullAtStartDelay));
            }
        });
        return services;
    }

    private static NationalPortalOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<NationalPortalOptions>>().Value;
}
