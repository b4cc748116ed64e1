using Integration.Core.Monitoring;
using Integration.Core.Privacy;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Integration.Gateway.Operations;

/// <summary>
/// OpenTelemetry for the host: traces (ASP.NET Core server spans, the gateway's own span per connector call,
/// HttpClient spans to upstreams, whose W3C <c>traceparent</c> the upstream receives) and metrics (the
/// gateway's meter, Polly's resilience events, ASP.NET Core and HttpClient), exported over OTLP when
/// <c>Otlp:Endpoint</c> is set (<c>Otlp:Protocol</c> <c>grpc</c> or <c>http/protobuf</c>). Without an
/// endpoint nothing would read a recorded span, so the gateway records only what its caller asked to be
/// sampled (a <c>traceparent</c> with the sampled flag); the others are propagation-only spans, which still
/// carry the trace context to upstreams and into problem details but cost no tags or enrichment per request.
/// </summary>
internal static class GatewayTelemetry
{
    public const string ServiceName = "integration-gateway";

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var endpoint = configuration["Otlp:Endpoint"];
        var exporting = !string.IsNullOrWhiteSpace(endpoint);
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t => t
                .SetSampler(exporting ? new ParentBasedSampler(new AlwaysOnSampler()) : new ParentBasedSampler(new AlwaysOffSampler()))
                .AddSource(ConnectorActivity.SourceName)
                .AddAspNetCoreInstrumentation(o =>
                {
                    // No personal data in spans: a path is masked like a log line would be (query values are redacted by the instrumentation).
                    o.EnrichWithHttpRequest = (activity, request) => activity.SetTag("url.path", PersonalDataMask.Text(request.Path.Value));
                })
                .AddHttpClientInstrumentation(o =>
                {
                    // Upstream URLs can carry a phone number (number portability looks one up by path).
                    o.EnrichWithHttpRequestMessage = (activity, request) =>
                    {
                        if (request.RequestUri is { } uri)
                        {
                            activity.SetTag("url.full", PersonalDataMask.Text(uri.GetLeftPart(UriPartial.Path)));
                        }
                    };
                }))
            .WithMetrics(m => m
                .AddMeter(GatewayMetrics.MeterName, "Polly")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());

        if (exporting && endpoint is not null)
        {
            var protocol = configuration["Otlp:Protocol"] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            otel.UseOtlpExporter(protocol, new Uri(endpoint));
            services.Configure<MetricReaderOptions>(o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 15_000);
            services.AddHostedService(sp => new ExportNotice(sp.GetRequiredService<ILogger<ExportNotice>>(), endpoint, protocol.ToString()));
        }

        return services;
    }

    /// <summary>Says once at start where telemetry goes.</summary>
    private sealed class ExportNotice(ILogger<ExportNotice> logger, string endpoint, string protocol) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            Log.TelemetryExporting(logger, endpoint, protocol);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
