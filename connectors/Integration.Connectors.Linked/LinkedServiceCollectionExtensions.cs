using Integration.Connectors.Linked.Processes;
using Integration.Connectors.Linked.Upstreams;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Linked;

/// <summary>Composition of the Linked connector.</summary>
public static class LinkedServiceCollectionExtensions
{
    /// <summary>The connector's name, as in <c>Connectors:Linked</c>.</summary>
    public const string ConnectorName = "Linked";

    /// <summary>
    /// Adds the Linked connector, configured from <paramref name="section"/> (<c>Connectors:Linked</c>):
    /// <see cref="ILinkedProcedures"/>, its store tables, the worker that runs the steps, the Refit clients of
    /// the four national systems with the LGSP token (each behind the connector's resilience pipeline), and the probe.
    /// </summary>
    public static IServiceCollection AddLinkedConnector(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<LinkedOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LinkedOptions>, LinkedOptionsValidator>());
        services.AddConnectorResilience(ConnectorName, section);
        AddSystem(services, LinkedSystems.CivilRegistry, o => o.CivilRegistry);
        AddSystem(services, LinkedSystems.Residence, o => o.Residence);
        AddSystem(services, LinkedSystems.SocialInsurance, o => o.SocialInsurance);
        AddSystem(services, LinkedSystems.SocialAffairs, o => o.SocialAffairs);
        services.AddHttpClient(LinkedProbe.HttpClientName);

        services.AddSingleton(LinkedStore.Migration);
        services.TryAddSingleton<LinkedStore>();
        services.TryAddSingleton<LinkedCodec>();
        services.TryAddSingleton<LinkedSignal>();
        services.TryAddSingleton<ILinkedProcedures, LinkedService>();
        services.TryAddSingleton<LinkedWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<LinkedWorker>());
        services.AddSingleton<IConnectorProbe, LinkedProbe>();
        return services;
    }

    /// <summary>
    /// One national system: a Refit client under the system's name (safe to retry, see <see cref="LinkedApiClient"/>)
    /// with the connector's LGSP token, shared by the four.
    /// </summary>
    private static void AddSystem(IServiceCollection services, string name, Func<LinkedOptions, LinkedUpstreamOptions> system)
    {
        services.AddUpstreamRefitClient<ILinkedSystemApi>(
                ConnectorName, name, LinkedSystemsJsonContext.Default, sp => system(Options(sp)).BaseUrl, safeToRetry: true, key: name)
            .AddLgspToken(ConnectorName, sp => Options(sp).Lgsp);
        services.AddKeyedTransient(name, (sp, _) => new LinkedApiClient(name, sp.GetRequiredKeyedService<ILinkedSystemApi>(name)));
    }

    private static LinkedOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<LinkedOptions>>().Value;
}
