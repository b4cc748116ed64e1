using Integration.Core.Monitoring;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Integration.Gateway.Operations;

/// <summary>
/// Exports the gateway's meter over OTLP when <c>Otlp:Endpoint</c> is set. OpenTelemetry.Extensions.Hosting
/// cannot be restored here, so the MeterProvider is built with the SDK and its lifetime owned by this service.
/// </summary>
internal sealed class MetricsExport(IConfiguration configuration, ILogger<MetricsExport> logger) : IHostedService, IDisposable
{
    private MeterProvider? _provider;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var endpoint = configuration["Otlp:Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return Task.CompletedTask;
        }

        _provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(GatewayMetrics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = new Uri(endpoint);
                exporter.Protocol = configuration["Otlp:Protocol"] == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 15_000;
            })
            .Build();
        Log.MetricsExporting(logger, endpoint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _provider?.ForceFlush(5_000);
        return Task.CompletedTask;
    }

    public void Dispose() => _provider?.Dispose();
}
