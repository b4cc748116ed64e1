using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Integration.Testing.Servers;

/// <summary>
/// A Redis server for tests: the one on <c>127.0.0.1:$TEST_REDIS_PORT</c> when that variable is set, otherwise a
/// private <c>redis-server</c> child process on a free loopback port (no persistence) in a temp folder. Tests look
/// into it with StackExchange.Redis (a short-lived admin connection per call, so a kill and restart leave no
/// stale connection behind).
/// </summary>
public sealed class RedisServer : IDisposable
{
    /// <summary>How long a start may take until PING answers.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(15);
    private const int MaxPortAttempts = 3;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string? _directory;
    private readonly string? _executable;
    private Process? _process;
    private Process? _watchdog;
    private OutputTail _output = new();
    private int _disposed;

    /// <summary>
    /// Uses the server on <c>TEST_REDIS_PORT</c> when that environment variable is set; otherwise starts a private
    /// one and waits (at most <see cref="StartTimeout"/>) until it answers PING.
    /// </summary>
    public RedisServer()
        : this(ReadPortFromEnvironment())
    {
    }

    private RedisServer(int? existingPort)
    {
        var stopwatch = Stopwatch.StartNew();
        if (existingPort is { } port)
        {
            Port = port;
            IsOwned = false;
            WaitUntilReadyAsync(null, stopwatch).GetAwaiter().GetResult();
            StartupTime = stopwatch.Elapsed;
            return;
        }

        IsOwned = true;
        _executable = ChildProcesses.FindExecutable("redis-server", "/usr/bin", "/usr/local/bin")
            ?? throw new FileNotFoundException("redis-server was not found on PATH. Run tests/setup (apt-get install redis-server).");
        _directory = Directory.CreateTempSubdirectory("redis-test-").FullName;
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Get();
            try
            {
                StartProcessAsync(stopwatch).GetAwaiter().GetResult();
                break;
            }
            catch (InvalidOperationException) when (attempt < MaxPortAttempts && LooksLikePortClash(_output))
            {
            }
            catch
            {
                ChildProcesses.DeleteDirectoryQuietly(_directory);
                throw;
            }
        }

        StartupTime = stopwatch.Elapsed;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Always starts a private redis-server (ignoring <c>TEST_REDIS_PORT</c>), e.g. for chaos tests.</summary>
    public static RedisServer StartNew() => new((int?)null);

    /// <summary>The host, always <c>127.0.0.1</c>.</summary>
    public string Host { get; } = "127.0.0.1";

    /// <summary>The port Redis listens on.</summary>
    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>, as StackExchange.Redis reads it.</summary>
    public string ConnectionString => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>True when this object started the server (and so may kill and restart it).</summary>
    public bool IsOwned { get; }

    /// <summary>The redis-server process id while it runs (owned servers only).</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>How long the first start took, until PING answered.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The last lines redis-server wrote.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>SIGKILLs the server (owned servers only), for chaos tests; the port stays reserved for a restart.</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned(nameof(KillAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            StopProcess();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts the server again on the same port after <see cref="KillAsync"/> (no-op when it runs).</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned(nameof(StartAgainAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_process is { HasExited: false })
            {
                return;
            }

            StopProcess();
            await StartProcessAsync(Stopwatch.StartNew(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends <c>FLUSHALL</c>: every key in every database is gone.</summary>
    public async Task FlushAllAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(s_commandTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        await connection.GetServer(Host, Port).FlushAllDatabasesAsync().ConfigureAwait(false);
    }

    /// <summary>Every key in one database, decoded as UTF-8.</summary>
    public async Task<IReadOnlyList<string>> GetAllKeysAsync(int database = 0, CancellationToken cancellationToken = default)
    {
        await using var connection = await ConnectAsync(s_commandTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<string>();
        await foreach (var key in connection.GetServer(Host, Port).KeysAsync(database, "*").WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    /// <summary>The value under <paramref name="key"/> (a string, or a hash's fields concatenated), or null when the key does not exist.</summary>
    public async Task<byte[]?> GetValueAsync(string key, int database = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await ConnectAsync(s_commandTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        var db = connection.GetDatabase(database);
        var type = await db.KeyTypeAsync(key).ConfigureAwait(false);
        if (type == RedisType.Hash)
        {
            // Microsoft.Extensions.Caching.StackExchangeRedis stores each entry as a hash (data and expiry fields).
            var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
            return fields.SelectMany(f => (byte[]?)f.Value ?? []).ToArray();
        }

        var value = await db.StringGetAsync(key).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    /// <summary>Stops an owned server and deletes its folder; leaves a shared one alone.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (IsOwned)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            StopProcess(stopWatchdog: false);
            if (_directory is not null)
            {
                ChildProcesses.DeleteDirectoryQuietly(_directory);
            }

            // Last: until here it would still clean up if this process were killed midway.
            ChildProcesses.StopWatchdog(_watchdog);
            _watchdog = null;
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private async Task StartProcessAsync(Stopwatch stopwatch, CancellationToken cancellationToken = default)
    {
        _output = new OutputTail();
        var arguments = new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", _directory!,
        };
        var process = ChildProcesses.StartLongRunning(_executable!, arguments, _directory!, _output);
        _process = process;
        _watchdog = ChildProcesses.KillOnParentDeath(process.Id, _directory);
        try
        {
            await WaitUntilReadyAsync(process, stopwatch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            StopProcess();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(Process? process, Stopwatch stopwatch, CancellationToken cancellationToken = default)
    {
        Exception? lastError = null;
        async Task<bool> AnswersAsync()
        {
            if (process is { HasExited: true })
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new InvalidOperationException(
                    $"redis-server exited with code {process.ExitCode} before answering on port {Port}. " +
                    $"Output:{Environment.NewLine}{_output}");
            }

            try
            {
                await using var connection = await ConnectAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                var server = connection.GetServer(Host, Port);
                await server.PingAsync().ConfigureAwait(false);
                var info = await server.InfoAsync("server").ConfigureAwait(false);

                // Our own process must be the one answering, not another server that took the port first.
                return process is null || ServerProcessId(info) == process.Id;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or IOException)
            {
                lastError = ex;
                return false;
            }
        }

        if (await Poll.UntilAsync(AnswersAsync, StartTimeout - stopwatch.Elapsed, TimeSpan.FromMilliseconds(50), cancellationToken)
                .ConfigureAwait(false))
        {
            return;
        }

        throw new InvalidOperationException(
            $"Redis on {ConnectionString} did not answer PING within {StartTimeout.TotalSeconds:0} s " +
            $"(last error: {lastError?.Message}). Output:{Environment.NewLine}{_output}");
    }

    private static int? ServerProcessId(IGrouping<string, KeyValuePair<string, string>>[] info)
    {
        var value = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "process_id").Value;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>A fresh admin connection (FLUSHALL, KEYS and INFO need one); fails rather than waits when Redis is down.</summary>
    private async Task<ConnectionMultiplexer> ConnectAsync(TimeSpan timeout)
    {
        var config = new ConfigurationOptions
        {
            EndPoints = { { Host, Port } },
            AllowAdmin = true,
            AbortOnConnectFail = true,
            ConnectRetry = 0,
            ConnectTimeout = (int)timeout.TotalMilliseconds,
            SyncTimeout = (int)timeout.TotalMilliseconds,
            AsyncTimeout = (int)timeout.TotalMilliseconds,
        };
        return await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
    }

    private void StopProcess(bool stopWatchdog = true)
    {
        if (_process is { } process)
        {
            ChildProcesses.KillQuietly(process);
            process.Dispose();
            _process = null;
        }

        if (stopWatchdog)
        {
            ChildProcesses.StopWatchdog(_watchdog);
            _watchdog = null;
        }
    }

    private void EnsureOwned(string operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!IsOwned)
        {
            throw new InvalidOperationException(
                $"{operation} needs a Redis server this test process started; this one comes from TEST_REDIS_PORT. " +
                "Use RedisServer.StartNew() for chaos tests.");
        }
    }

    private static bool LooksLikePortClash(OutputTail output) =>
        output.ToString().Contains("Address already in use", StringComparison.OrdinalIgnoreCase);

    private static int? ReadPortFromEnvironment()
    {
        var value = Environment.GetEnvironmentVariable("TEST_REDIS_PORT");
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new InvalidOperationException($"TEST_REDIS_PORT is '{value}', not a port number.");
    }
}
