using Integration.Core.Monitoring;
using Integration.Core.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Integration.Core.Http;

/// <summary>Registers the typed HttpClients connectors use to reach their upstreams.</summary>
public static class UpstreamHttpClientExtensions
{
    /// <summary>
    /// Adds the typed client <typeparamref name="TClient"/> for one upstream of a connector, with the
    /// connector's resilience pipeline (one breaker for this upstream) and an infinite
    /// <see cref="HttpClient.Timeout"/>: the pipeline owns time. The base address gets a trailing slash so
    /// that a path prefix survives (<c>http://127.0.0.1:9090/c06</c> + <c>XacThucCongDan</c>); request
    /// paths must therefore be relative, without a leading slash.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connector">The connector's configuration name, e.g. <c>Identity</c>; its pipeline options are <c>Connectors:{connector}:Resilience</c>.</param>
    /// <param name="upstream">The upstream's name as operators see it, e.g. <c>c06</c>.</param>
    /// <param name="baseUrl">Reads the base URL from the connector's validated options.</param>
    public static IHttpClientBuilder AddUpstreamHttpClient<TClient>(
        this IServiceCollection services,
        string connector,
        string upstream,
        Func<IServiceProvider, string> baseUrl)
        where TClient : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorResilienceOptions>, ConnectorResilienceOptionsValidator>());
        services.AddSingleton(new UpstreamRegistration(connector, upstream));
        return services
            .AddHttpClient<TClient>((sp, http) =>
            {
                var url = baseUrl(sp);
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddHttpMessageHandler(sp => new ResilienceHandler(
                sp.GetRequiredService<UpstreamPipelines>().Get(connector, upstream),
                sp.GetRequiredService<GatewayMetrics>(),
                sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Binds <c>Connectors:{connector}:Resilience</c> and checks it at start (the host stops with a
    /// message naming the key when a value is wrong).
    /// </summary>
    public static IServiceCollection AddConnectorResilience(this IServiceCollection services, string connector, Microsoft.Extensions.Configuration.IConfiguration connectorSection)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorResilienceOptions>, ConnectorResilienceOptionsValidator>());
        services.AddOptions<ConnectorResilienceOptions>(connector)
            .Bind(connectorSection.GetSection("Resilience"))
            .ValidateOnStart();
        return services;
    }
}

/// <summary>A connector's upstream, known at composition so operators see it before the first call.</summary>
public sealed record UpstreamRegistration(string Connector, string Upstream);
