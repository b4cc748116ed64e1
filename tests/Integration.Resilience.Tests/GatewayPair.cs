using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Resilience.Tests;

/// <summary>
/// Two gateway processes on loopback ports sharing one fresh PostgreSQL database, as N instances behind a load
/// balancer would; each test class says how they are configured.
/// </summary>
public abstract class GatewayPair : IAsyncLifetime
{
    public GatewayProcess A { get; private set; } = null!;

    public GatewayProcess B { get; private set; } = null!;

    public string Database { get; private set; } = "";

    /// <summary>The pair's settings; <paramref name="database"/> is the shared store's connection string.</summary>
    protected abstract GatewayFactoryOptions Options(string database);

    public async Task InitializeAsync()
    {
        Database = await TestServers.Postgres.CreateDatabaseAsync();
        var settings = TestGateways.Settings(Options(Database));
        A = new GatewayProcess(settings);
        B = new GatewayProcess(settings);
        await Task.WhenAll(A.StartAsync(), B.StartAsync());
    }

    public Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        return Task.CompletedTask;
    }
}
