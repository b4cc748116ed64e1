using Integration.Connectors.Linked.Lgsp;
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
    /// <see cref="ILinkedProcedures"/>, its store tables, the worker that runs the steps, the typed clients of
    /// the four national systems and LGSP (each behind the connector's resilience pipeline), and the probe.
    /// </summary>
    public static IServiceCollection AddLinkedConnector(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<LinkedOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LinkedOptions>, LinkedOptionsValidator>());
        services.AddConnectorResilience(ConnectorName, section);
        services.AddUpstreamHttpClient<LinkedLgspTokenClient>(ConnectorName, LinkedLgspTokenClient.Upstream, sp => Options(sp).Lgsp.BaseUrl);
        services.AddUpstreamHttpClient<CivilRegistryClient>(ConnectorName, CivilRegistryClient.Name, sp => Options(sp).CivilRegistry.BaseUrl);
        services.AddUpstreamHttpClient<ResidenceClient>(ConnectorName, ResidenceClient.Name, sp => Options(sp).Residence.BaseUrl);
        services.AddUpstreamHttpClient<SocialInsuranceClient>(ConnectorName, SocialInsuranceClient.Name, sp => Options(sp).SocialInsurance.BaseUrl);
        services.AddUpstreamHttpClient<SocialAffairsClient>(ConnectorName, SocialAffairsClient.Name, sp => Options(sp).SocialAffairs.BaseUrl);
        services.AddHttpClient(LinkedProbe.HttpClientName);

        services.AddSingleton(LinkedStore.Migration);
        services.TryAddSingleton<LinkedLgspTokens>();
        services.TryAddSingleton<LinkedStore>();
        services.TryAddSingleton<LinkedCodec>();
        services.TryAddSingleton<LinkedSignal>();
        services.TryAddSingleton<ILinkedProcedures, LinkedService>();
        services.TryAddSingleton<LinkedWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<LinkedWorker>());
        services.AddSingleton<IConnectorProbe, LinkedProbe>();
        return services;
    }

    private static LinkedOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<LinkedOptions>>().Value;
}
