using System.Diagnostics.Metrics;
using Integration.Core.Jobs;
using Integration.Core.Monitoring;
using Integration.Gateway.Health;
using Quartz;

namespace Integration.Gateway.Operations;

internal static class OperationsServiceCollectionExtensions
{
    /// <summary>Probes, shared isolation controls, the schedulers' health checks, OpenTelemetry (traces, metrics, OTLP) and the gauges.</summary>
    public static IServiceCollection AddGatewayOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<ProbeRunner>();
        services.AddSingleton<ConnectorControls>();
        services.AddSingleton(ConnectorControls.Migration);
        services.AddGatewayTelemetry(configuration);
        // Quartz's own checks: each scheduler runs, and the clustered one's store answers and its node checks in.
        services.AddHealthChecks()
            .AddQuartz(o =>
            {
                o.Name = "scheduler";
                o.Tags.Add(HealthEndpoints.ReadyTag);
            })
            .AddQuartz(GatewayScheduler.InstanceSchedulerName, o =>
            {
                o.Name = "scheduler-instance";
                o.Tags.Add(HealthEndpoints.ReadyTag);
            });

        var probeInterval = configuration.GetValue("Gateway:Probes:Interval", TimeSpan.FromMinutes(1));
        var syncInterval = configuration.GetValue("Gateway:Controls:SyncInterval", TimeSpan.FromSeconds(10));
        // Per-instance work: every instance probes its own circuits and applies stored controls to them.
        services.AddQuartz(GatewayScheduler.InstanceSchedulerName, q =>
        {
            q.UseInMemoryStore();
            if (probeInterval > TimeSpan.Zero)
            {
                q.ScheduleJob<ProbeJob>(
                    t => t.WithIdentity("probe").StartNow().WithSimpleSchedule(s => s.WithInterval(probeInterval).RepeatForever()),
                    j => j.WithIdentity("probe"));
            }

            q.ScheduleJob<ConnectorControlSyncJob>(
                t => t.WithIdentity("connector-controls").StartNow().WithSimpleSchedule(s => s.WithInterval(syncInterval).RepeatForever()),
                j => j.WithIdentity("connector-controls"));
        });
        return services;
    }

    /// <summary>Gauges read from the health registry: circuit state per upstream (0 closed, 1 half-open, 2 open, 3 isolated) and backlog.</summary>
    public static void AddGatewayGauges(this IServiceProvider services)
    {
        var metrics = services.GetRequiredService<GatewayMetrics>();
        var registry = services.GetRequiredService<ConnectorHealthRegistry>();
        metrics.Meter.CreateObservableGauge("gateway.circuit.state", () =>
            registry.Connectors.SelectMany(c => c.Upstreams).Select(u => new Measurement<int>(
                u.CircuitStatus switch { CircuitStatus.HalfOpen => 1, CircuitStatus.Open => 2, CircuitStatus.Isolated => 3, _ => 0 },
                new KeyValuePair<string, object?>("connector", u.Connector),
                new KeyValuePair<string, object?>("upstream", u.Upstream))));
        var audit = services.GetRequiredService<Integration.Core.Audit.AuditLog>();
        var telemetry = services.GetRequiredService<ConnectorTelemetry>();
        metrics.Meter.CreateObservableCounter("gateway.store.rows_dropped", () => new[]
        {
            new Measurement<long>(audit.Dropped, new KeyValuePair<string, object?>("writer", "audit")),
            new Measurement<long>(telemetry.Dropped, new KeyValuePair<string, object?>("writer", "monitoring")),
        }, "{row}", "Best-effort audit or monitoring rows dropped (queue full, or a batch failed every retry).");
        metrics.Meter.CreateObservableCounter("gateway.store.rows_written", () => new[]
        {
            new Measurement<long>(audit.Written, new KeyValuePair<string, object?>("writer", "audit")),
            new Measurement<long>(telemetry.Written, new KeyValuePair<string, object?>("writer", "monitoring")),
        }, "{row}", "Audit or monitoring rows committed (on SQLite, audit rows appended to the audit journal).");
        metrics.Meter.CreateObservableCounter("gateway.store.batches", () => new[]
        {
            new Measurement<long>(audit.Batches, new KeyValuePair<string, object?>("writer", "audit")),
            new Measurement<long>(telemetry.Batches, new KeyValuePair<string, object?>("writer", "monitoring")),
        }, "{transaction}", "Batch transactions committed (rows written over batches is the mean group-commit size).");
        metrics.Meter.CreateObservableGauge("gateway.audit.journal_backlog", () => audit.Unmoved,
            "{row}", "SQLite: acknowledged audit rows in the audit journal not yet copied into audit_records (near zero unless the store refuses or holds them).");
        metrics.Meter.CreateObservableCounter("gateway.store.rows_refused", () => audit.Refused,
            "{row}", "Lookup audit rows the store could not take; each lookup was answered 503 store_unavailable.");
        metrics.Meter.CreateObservableGauge("gateway.outbox.backlog", () =>
            registry.Connectors.Where(c => c.LastBacklog is not null).SelectMany(c => new[]
            {
                new Measurement<long>(c.LastBacklog!.Pending, new("connector", c.Name), new("state", "pending")),
                new Measurement<long>(c.LastBacklog!.Dead, new("connector", c.Name), new("state", "dead")),
            }), "{item}", "Outbox items waiting or dead, as last read.");
    }
}
