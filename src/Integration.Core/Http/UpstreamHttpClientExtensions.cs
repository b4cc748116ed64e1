using Integration.Core.Monitoring;
using Integration.Core.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Integration.Core.Http;

/// <summary>Registers the typed HttpClients connectors use to reach their upstreams.</summary>
public static class UpstreamHttpClientExtensions
{
    /// <summary>
    /// Adds the typed client <typeparamref name="TClient"/> for one upstream of a connector, with the
    /// connector's resilience pipeline (<see cref="AddUpstreamResilience"/>: one breaker for this upstream)
    /// and an infinite <see cref="HttpClient.Timeout"/>: the pipeline owns time. The base address gets a
    /// trailing slash so that a path prefix survives (<c>http://127.0.0.1:9090/c06</c> + <c>XacThucCongDan</c>);
    /// request paths must therefore be relative, without a leading slash.
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
        where TClient : class =>
        services
            .AddHttpClient<TClient>((sp, http) =>
            {
                var url = baseUrl(sp);
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddUpstreamResilience(connector, upstream);

    /// <summary>
    /// Puts a client (typed, named or generated, e.g. by Refit) behind the upstream's resilience pipeline:
    /// Microsoft.Extensions.Http.Resilience's handler built from <c>Connectors:{connector}:Resilience</c>, with a
    /// handler outside it that turns what the pipeline gives up with into upstream problems (504/503) and one
    /// inside each attempt that reads the whole answer and feeds the upstream's health figures. Handlers the
    /// connector adds afterwards run inside the attempt. Call it before any other message handler.
    /// </summary>
    public static IHttpClientBuilder AddUpstreamResilience(this IHttpClientBuilder builder, string connector, string upstream)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorResilienceOptions>, ConnectorResilienceOptionsValidator>());
        services.AddSingleton(new UpstreamRegistration(connector, upstream));
        builder.AddHttpMessageHandler(sp => new UpstreamProblemHandler(
            upstream,
            sp.GetRequiredService<ConnectorHealthRegistry>().Connector(connector).Upstream(upstream),
            sp.GetRequiredService<IOptionsMonitor<ConnectorResilienceOptions>>().Get(connector).BreakDuration));
        builder.AddResilienceHandler($"{connector}.{upstream}", (pipeline, context) => UpstreamResilience.Configure(pipeline, context, connector, upstream))
            .SelectPipelineBy(_ => request => UpstreamRequestOptions.IsProbe(request) ? UpstreamResilience.ProbeInstance : UpstreamResilience.CallsInstance);
        builder.AddHttpMessageHandler(sp => new UpstreamAttemptHandler(
            connector,
            upstream,
            sp.GetRequiredService<ConnectorHealthRegistry>(),
            sp.GetRequiredService<GatewayMetrics>(),
            sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary>
    /// Binds <c>Connectors:{connector}:Resilience</c> over <paramref name="defaults"/> (the standard handler's
    /// when none are given) and checks it at start (the host stops with a message naming the key when a value
    /// is wrong).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connector">The connector's configuration name.</param>
    /// <param name="connectorSection">The connector's section, <c>Connectors:{connector}</c>.</param>
    /// <param name="defaults">The connector's shipped defaults, e.g. <see cref="ConnectorResilienceOptions.Interactive"/>.</param>
    public static IServiceCollection AddConnectorResilience(
        this IServiceCollection services,
        string connector,
        Microsoft.Extensions.Configuration.IConfiguration connectorSection,
        ConnectorResilienceOptions? defaults = null)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorResilienceOptions>, ConnectorResilienceOptionsValidator>());
        var builder = services.AddOptions<ConnectorResilienceOptions>(connector);
        if (defaults is not null)
        {
            builder.Configure(o => defaults.CopyTo(o));
        }

        builder.Bind(connectorSection.GetSection("Resilience")).ValidateOnStart();
        return services;
    }
}

/// <summary>A connector's upstream, known at composition so operators see it before the first call.</summary>
public sealed record UpstreamRegistration(string Connector, string Upstream);
