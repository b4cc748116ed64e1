using System.Security.Cryptography;
using Integration.Core;
using Integration.Core.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Integration.Testing;

namespace Integration.Core.Tests;

/// <summary>A typed client as a connector would write one: it only sends what the test asks.</summary>
public sealed class EchoClient(HttpClient http)
{
    public HttpClient Http { get; } = http;
}

/// <summary>
/// A host with Integration.Core only (no gateway endpoints): the real store, pipelines, cache and
/// writers, one typed client "Test/wiremock" whose base address is this run's WireMock, and whatever
/// clients a test adds.
/// </summary>
public sealed class CoreHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _dbFile = Path.Combine(Path.GetTempPath(), "gateway-core-tests", Guid.NewGuid().ToString("N") + ".db");

    public CoreHost(IDictionary<string, string?>? settings = null, TimeProvider? time = null, string? hashKey = null, string? encryptionKey = null, Action<IServiceCollection>? services = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_dbFile)!);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        var config = new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = "Data Source=" + _dbFile,
            ["Privacy:HashKey"] = hashKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Privacy:EncryptionKey"] = encryptionKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Connectors:Test:Resilience:TotalTimeout"] = "00:00:05",
            ["Connectors:Test:Resilience:AttemptTimeout"] = "00:00:00.500",
            ["Connectors:Test:Resilience:RetryDelay"] = "00:00:00.020",
            ["Connectors:Test:Resilience:RetryMaxDelay"] = "00:00:00.100",
            ["Connectors:Test:Resilience:SamplingDuration"] = "00:00:10",
            ["Connectors:Test:Resilience:MinimumThroughput"] = "100",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            config[k] = v;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.AddProvider(Logs);
        builder.Services.AddGatewayCore(builder.Configuration);
        builder.Services.AddConnectorResilience("Test", builder.Configuration.GetSection("Connectors:Test"));
        builder.Services.AddUpstreamHttpClient<EchoClient>("Test", "wiremock", _ => Integration.Testing.Servers.TestServers.WireMock.BaseUrl + "/core-test");
        services?.Invoke(builder.Services);
        if (time is not null)
        {
            builder.Services.RemoveAll<TimeProvider>();
            builder.Services.AddSingleton(time);
        }

        _host = builder.Build();
    }

    public LogCapture Logs { get; } = new();

    public IServiceProvider Services => _host.Services;

    public T Get<T>()
        where T : notnull => _host.Services.GetRequiredService<T>();

    public HttpClient Client => Get<EchoClient>().Http;

    public static async Task<CoreHost> StartAsync(
        IDictionary<string, string?>? settings = null, TimeProvider? time = null, string? hashKey = null, string? encryptionKey = null, Action<IServiceCollection>? services = null)
    {
        var host = new CoreHost(settings, time, hashKey, encryptionKey, services);
        await host._host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_dbFile);
    }
}
