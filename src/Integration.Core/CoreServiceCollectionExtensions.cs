using Integration.Core.Audit;
using Integration.Core.Caching;
using Integration.Core.Hosting;
using Integration.Core.Jobs;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Integration.Core.Privacy;
using Integration.Core.Resilience;
using Integration.Core.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Integration.Core;

/// <summary>Composition of what every connector shares.</summary>
public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// Adds the store (and applies its migrations at start), audit and monitoring writers, the health
    /// registry and metrics, the resilience pipelines and the two-level cache.
    /// </summary>
    public static IServiceCollection AddGatewayCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddMetrics();

        services.AddOptions<StoreOptions>().Bind(configuration.GetSection(StoreOptions.SectionName)).ValidateDataAnnotations()
            .Validate(o => o.Provider != "postgres" || !string.IsNullOrWhiteSpace(o.ConnectionString), "Store:ConnectionString is required when Store:Provider is 'postgres'.")
            .ValidateOnStart();
        services.AddOptions<RedisOptions>().Bind(configuration.GetSection(RedisOptions.SectionName));
        services.AddOptions<CacheOptions>().Bind(configuration.GetSection(CacheOptions.SectionName))
            .Validate(o => o.FactorySoftTimeout > TimeSpan.Zero, "Cache:FactorySoftTimeout must be positive.")
            .Validate(o => o.FailSafeThrottle >= TimeSpan.Zero, "Cache:FailSafeThrottle must not be negative.")
            .Validate(o => o.RedisRetryAfter > TimeSpan.Zero, "Cache:RedisRetryAfter must be positive.")
            .ValidateOnStart();
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName))
            .Validate<IOptions<RedisOptions>>(
                (p, r) => string.IsNullOrWhiteSpace(r.Value.Configuration) || (!string.IsNullOrEmpty(p.HashKey) && !string.IsNullOrEmpty(p.EncryptionKey)),
                "Privacy:HashKey and Privacy:EncryptionKey must be set (and shared by every instance) when Redis:Configuration is set.")
            // Random keys per process would make audit hashes useless across restarts and instances.
            .Validate<IHostEnvironment>(
                (p, env) => env.IsDevelopment() || (!string.IsNullOrWhiteSpace(p.HashKey) && !string.IsNullOrWhiteSpace(p.EncryptionKey)),
                "Privacy:HashKey and Privacy:EncryptionKey must be set outside Development (base64, 32 bytes each, the same on every instance): audit hashes must stay comparable across restarts and instances.")
            .Validate(p => IsBase64OfLength(p.EncryptionKey, 32, exact: true), "Privacy:EncryptionKey must be 32 bytes, base64-encoded.")
            .Validate(p => IsBase64OfLength(p.HashKey, 32, exact: false), "Privacy:HashKey must be at least 32 bytes, base64-encoded.")
            .ValidateOnStart();

        services.TryAddSingleton<GatewayStore>();
        services.AddSingleton(CoreMigrations.Audit);
        services.AddSingleton(CoreMigrations.Monitoring);
        services.AddSingleton(CoreMigrations.JobLeases);
        services.AddSingleton(CoreMigrations.MonitoringCalls);
        services.AddSingleton(CoreMigrations.QuartzStore);
        services.AddSingleton(CoreMigrations.DropJobLeases);
        services.AddSingleton(CoreMigrations.AuditInCommitOrder);
        services.AddSingleton(CoreMigrations.AuditJournals);
        services.TryAddSingleton<StoreMigrator>();
        // First hosted service: the schema exists before anything else starts.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(sp => sp.GetRequiredService<StoreMigrator>()));

        services.TryAddSingleton<CallerContext>();
        services.TryAddSingleton<Indicators.IIndicatorFeed, Indicators.NullIndicatorFeed>();
        services.TryAddSingleton<PersonalDataProtector>();
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton(sp =>
        {
            var registry = new ConnectorHealthRegistry(sp.GetRequiredService<TimeProvider>());
            foreach (var u in sp.GetServices<Http.UpstreamRegistration>())
            {
                registry.Connector(u.Connector).Upstream(u.Upstream);
            }

            return registry;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConnectorResilienceOptions>, ConnectorResilienceOptionsValidator>());

        services.TryAddSingleton<AuditLog>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddSingleton<ConnectorTelemetry>();
        services.AddHostedService(sp => sp.GetRequiredService<ConnectorTelemetry>());
        services.AddHostedService<SqliteCheckpointer>();

        services.AddClusterScheduler(configuration);
        services.TryAddSingleton<RedisConnection>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisConnection>());
        services.TryAddSingleton<ConnectorCache>();
        services.AddOutbox(configuration);
        return services;
    }

    private static bool IsBase64OfLength(string? value, int length, bool exact)
    {
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var n) && (exact ? n == length : n >= length);
    }
}
