using Integration.Connectors.Telco.Carriers;
using Integration.Connectors.Telco.Portability;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco;

/// <summary>Composition of the Telco connector.</summary>
public static class TelcoServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Telco connector, configured from <paramref name="section"/> (<c>Connectors:Telco</c>):
    /// <see cref="ISubscriberOwnershipChecker"/>, one typed client and one circuit per upstream
    /// (<c>mnp</c>, <c>viettel</c>, <c>vnpt</c>, <c>mobifone</c>) and the connector's probe. Settings are
    /// checked at start.
    /// </summary>
    public static IServiceCollection AddTelcoConnector(this IServiceCollection services, IConfiguration section)
    {
        const string connector = SubscriberOwnershipChecker.Connector;
        services.AddOptions<TelcoOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelcoOptions>, TelcoOptionsValidator>());
        services.AddConnectorResilience(connector, section, ConnectorResilienceOptions.Interactive());

        services.AddUpstreamHttpClient<MnpClient>(connector, MnpClient.Upstream, sp => Options(sp).Mnp.BaseUrl!);
        services.AddUpstreamHttpClient<ViettelClient>(connector, ViettelClient.Upstream, sp => Options(sp).Viettel.BaseUrl!);
        services.AddUpstreamHttpClient<VnptTokenEndpoint>(connector, VnptClient.Upstream, sp => Options(sp).Vnpt.BaseUrl!);
        services.AddUpstreamHttpClient<VnptClient>(connector, VnptClient.Upstream, sp => Options(sp).Vnpt.BaseUrl!)
            .AddCredentialHandler<VnptTokenIssuer>();
        services.AddUpstreamHttpClient<MobifoneClient>(connector, MobifoneClient.Upstream, sp => Options(sp).Mobifone.BaseUrl!)
            .AddHttpMessageHandler(() => new MobifoneBusyHandler());
        services.AddHttpClient(TelcoProbe.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.TryAddTransient<ISubscriberOwnershipChecker, SubscriberOwnershipChecker>();
        services.AddSingleton<IConnectorProbe, TelcoProbe>();
        return services;
    }

    private static TelcoOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<TelcoOptions>>().Value;
}
