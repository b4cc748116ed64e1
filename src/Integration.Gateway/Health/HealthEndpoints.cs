using System.Text.Json;
using Dapper;
using Integration.Core.Store;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Integration.Gateway.Health;

/// <summary><c>/health/live</c> (the process answers) and <c>/health/ready</c> (its dependencies answer: the store, the scheduler).</summary>
internal static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<StoreHealthCheck>("store", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Health").DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Health").DisableRateLimiting();
        return app;
    }

    /// <summary>
    /// Ready or not, and which check is not: no descriptions, exception or type names (the address is
    /// anonymous and often reachable from outside). Why a check fails is in the log.
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = State(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => State(e.Value.Status)),
        });
    }

    private static string State(HealthStatus status) => status == HealthStatus.Unhealthy ? "not_ready" : "ready";
}

/// <summary>Ready only while the durable store answers a query.</summary>
internal sealed class StoreHealthCheck(GatewayStore store, ILogger<StoreHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var connection = await store.OpenAsync(timeout.Token);
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_migrations", cancellationToken: timeout.Token));
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex)
        {
            Log.StoreNotReady(logger, ex.GetType().Name, ex.Message);
            return HealthCheckResult.Unhealthy();
        }
    }
}
