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
    /// <see cref="ISubscriberOwnershipChecker"/>, one client and one circuit per upstream (Refit for the JSON
    /// upstreams <c>mnp</c>, <c>viettel</c>, <c>vnpt</c> and its token; a hand-written one for MobiFone's XML)
    /// and the connector's probe. Settings are
    /// checked at start.
    /// </summary>
    public static IServiceCollection AddTelcoConnector(this IServiceCollection services, IConfiguration section)
    {
        const string connector = SubscriberOwnershipChecker.Connector;
        services.AddOptions<TelcoOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelcoOptions>, TelcoOptionsValidator>());
        services.AddConnectorResilience(connector, section, ConnectorResilienceOptions.Interactive());

        var json = TelcoJsonContext.Default;
        services.AddUpstreamRefitClient<IMnpApi>(connector, MnpClient.Upstream, json, sp => Options(sp).Mnp.BaseUrl!);
        // The ownership check only reads: sending it again after a timeout or a 5xx changes nothing at Viettel.
        services.AddUpstreamRefitClient<IViettelApi>(connector, ViettelClient.Upstream, json, sp => Options(sp).Viettel.BaseUrl!, safeToRetry: true);
        services.AddUpstreamRefitClient<IVnptApi>(connector, VnptClient.Upstream, json, sp => Options(sp).Vnpt.BaseUrl!)
            .AddClientCredentialsToken(VnptToken, sp => Options(sp).Vnpt.Credentials);
        services.TryAddTransient<MnpClient>();
        services.TryAddTransient<ViettelClient>();
        services.TryAddTransient<VnptClient>();
        services.AddUpstreamHttpClient<MobifoneClient>(connector, MobifoneClient.Upstream, sp => Options(sp).Mobifone.BaseUrl!)
            .AddHttpMessageHandler(() => new MobifoneBusyHandler());
        services.AddHttpClient(TelcoProbe.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.TryAddTransient<ISubscriberOwnershipChecker, SubscriberOwnershipChecker>();
        services.AddSingleton<IConnectorProbe, TelcoProbe>();
        return services;
    }

    /// <summary>VNPT's OAuth token endpoint, <c>POST {vnpt}/oauth/token</c> (docs/upstreams.md, "VinaPhone (VNPT)").</summary>
    internal static readonly TokenEndpoint VnptToken = new(SubscriberOwnershipChecker.Connector, VnptClient.Upstream, "oauth/token", "Connectors:Telco:Vnpt");

    private static TelcoOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<TelcoOptions>>().Value;
}
