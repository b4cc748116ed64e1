using Integration.Connectors.Identity.Citizens;
using Integration.Connectors.Identity.VneId;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Resilience;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity;

/// <summary>Composition of the Identity connector.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>The connector's name, as in <c>Connectors:Identity</c>.</summary>
    public const string Connector = "Identity";

    /// <summary>
    /// Adds the Identity connector, configured from <paramref name="section"/> (<c>Connectors:Identity</c>):
    /// <see cref="ICitizenVerifier"/> (C06 through the LGSP token), <see cref="IVneIdSignIn"/> (the VNeID sign-in broker) with its
    /// store tables, and the connector's probe. Settings are checked at start.
    /// </summary>
    public static IServiceCollection AddIdentityConnector(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<IdentityOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>();
        services.AddConnectorResilience(Connector, section, ConnectorResilienceOptions.Interactive());

        services.AddUpstreamHttpClient<C06Client>(Connector, C06Client.Upstream, sp => Options(sp).C06.BaseUrl)
            .AddHttpMessageHandler(() => new SoapClientFaultHandler())
            .AddLgspToken(Connector, sp => Options(sp).Lgsp);
        services.AddUpstreamRefitClient<IVneIdApi>(Connector, VneIdClient.Upstream, IdentityJsonContext.Default, sp => Options(sp).VneId.BaseUrl);
        services.AddTransient<VneIdClient>();
        services.AddHttpClient(IdentityProbe.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);

        services.AddTransient<ICitizenVerifier, CitizenVerifier>();

        services.AddSingleton(SignInStore.Migration);
        services.AddSingleton(SignInStore.BindingMigration);
        services.AddSingleton<VneIdDiscovery>();
        services.AddSingleton<SignInStore>();
        services.AddTransient<IVneIdSignIn, VneIdBroker>();

        services.AddSingleton<IConnectorProbe, IdentityProbe>();
        return services;
    }

    private static IdentityOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<IdentityOptions>>().Value;
}
