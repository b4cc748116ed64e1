using System.Text.Json.Serialization;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Refit;

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
            .AddHttpClient<TClient>((sp, http) => Configure(http, baseUrl(sp)))
            .AddUpstreamResilience(connector, upstream);

    /// <summary>
    /// Adds the Refit client <typeparamref name="TApi"/> for one upstream of a connector, with the connector's
    /// resilience pipeline and base address as in <see cref="AddUpstreamHttpClient{TClient}"/>. Refit reads
    /// and writes JSON with <paramref name="json"/>, the connector's source-generated context, and leaves the
    /// meaning of an answer to the connector (see <see cref="RefitSettingsFor"/>). The client is registered
    /// under <paramref name="key"/> when one is given (one interface, several upstreams); its HTTP client is
    /// named after <typeparamref name="TApi"/>'s full name (with <c>:{key}</c> when keyed). The project
    /// declaring <typeparamref name="TApi"/> references Refit itself, so that Refit's source generator writes its requests.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connector">The connector's configuration name, e.g. <c>Telco</c>.</param>
    /// <param name="upstream">The upstream's name as operators see it, e.g. <c>viettel</c>.</param>
    /// <param name="json">The connector's source-generated JSON context: every body sent or read is in it.</param>
    /// <param name="baseUrl">Reads the base URL from the connector's validated options.</param>
    /// <param name="safeToRetry">
    /// Every call of <typeparamref name="TApi"/> may be sent again after a timeout or a 5xx, POSTs included
    /// (<see cref="UpstreamRequestOptions.MarkSafeToRetry"/> on each request): it only reads, or the upstream
    /// answers a repeat with the first result. Leave it false for an API with a call that must be sent once.
    /// </param>
    /// <param name="key">The service key of the client, or null for an unkeyed one.</param>
    public static IHttpClientBuilder AddUpstreamRefitClient<TApi>(
        this IServiceCollection services,
        string connector,
        string upstream,
        JsonSerializerContext json,
        Func<IServiceProvider, string> baseUrl,
        bool safeToRetry = false,
        string? key = null)
        where TApi : class
    {
        var settings = RefitSettingsFor(json, safeToRetry);
        // The source-generated client: Refit's generator (in the connector's project) writes the requests, no reflection.
        var builder = key is null
            ? services.AddRefitGeneratedClient<TApi>(settings, typeof(TApi).FullName!)
            : services.AddKeyedRefitGeneratedClient<TApi>(key, settings, $"{typeof(TApi).FullName}:{key}");
        return builder
            .ConfigureHttpClient((sp, http) => Configure(http, baseUrl(sp)))
            .AddUpstreamResilience(connector, upstream);
    }

    /// <summary>
    /// Refit settings for an upstream: JSON through the connector's source-generated context; every answer's
    /// body read whatever its status (an upstream may explain a 404 in JSON), so <c>IApiResponse.Error</c> is set
    /// only when the body is not the expected JSON; what the pipeline gives up with
    /// (<see cref="UpstreamTimeoutException"/>, <see cref="UpstreamUnavailableException"/>, cancellation)
    /// thrown as it is rather than wrapped; bodies buffered, so a retry or a resend after a refused
    /// credential sends them again. Refit's error keeps the request (with its credential) and the raw answer:
    /// connectors pass on only its <c>InnerException</c>, the serializer's.
    /// </summary>
    internal static RefitSettings RefitSettingsFor(JsonSerializerContext json, bool safeToRetry) => new(SystemTextJsonContentSerializer.ForContext(json))
    {
        ExceptionFactory = _ => ValueTask.FromResult<Exception?>(null),
        TransportExceptionFactory = (_, exception, _) => exception,
        Buffered = true,
        HttpRequestMessageOptions = safeToRetry ? new() { [UpstreamRequestOptions.SafeToRetryKey.Key] = true } : null,
    };

    /// <summary>The base address gets a trailing slash so that a path prefix survives; the pipeline owns time.</summary>
    private static void Configure(HttpClient http, string url)
    {
        http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
        http.Timeout = Timeout.InfiniteTimeSpan;
    }

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
