namespace Integration.Testing.Servers;

/// <summary>
/// One WireMock, one Redis and one PostgreSQL per test process, each started on first use (thread-safe) and stopped
/// when the process exits. Tests share them: reset what you use (<see cref="WireMockServer.ResetAsync"/>,
/// <see cref="RedisServer.FlushAllAsync"/>, a fresh database from <see cref="PostgresServer.CreateDatabaseAsync"/>),
/// and start a private server (<see cref="RedisServer.StartNew"/>, <see cref="PostgresServer.StartNew"/>) for chaos
/// tests that kill or restart one.
/// </summary>
public static class TestServers
{
    private static readonly Lazy<WireMockServer> s_wireMock =
        new(() => new WireMockServer(), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<RedisServer> s_redis =
        new(() => new RedisServer(), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly Lazy<PostgresServer> s_postgres =
        new(() => new PostgresServer(), LazyThreadSafetyMode.ExecutionAndPublication);

    static TestServers()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();
    }

    /// <summary>The process-wide WireMock server, with the repository's <c>mocks/</c> as root dir.</summary>
    public static WireMockServer WireMock => s_wireMock.Value;

    /// <summary>The process-wide Redis server (<c>TEST_REDIS_PORT</c> or a private one).</summary>
    public static RedisServer Redis => s_redis.Value;

    /// <summary>The process-wide PostgreSQL server (<c>TEST_POSTGRES_CONNECTION</c> or a private cluster).</summary>
    public static PostgresServer Postgres => s_postgres.Value;

    // In parallel: `dotnet test` kills the test host 100 ms after the run unless VSTEST_TESTHOST_SHUTDOWN_TIMEOUT
    // (milliseconds) says otherwise (tests/run sets it). Whatever is cut short here, each server's watchdog
    // finishes about a second after this process is gone.
    private static void DisposeAll() =>
        Parallel.Invoke(
            () => DisposeCreated(s_wireMock),
            () => DisposeCreated(s_redis),
            () => DisposeCreated(s_postgres));

    private static void DisposeCreated<T>(Lazy<T> server)
        where T : IDisposable
    {
        if (!server.IsValueCreated)
        {
            return;
        }

        try
        {
            server.Value.Dispose();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException)
        {
            // Best effort at process exit.
        }
    }
}
