using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;
using Integration.Testing.Servers;

namespace Integration.Testing;

/// <summary>
/// The already-built gateway (<c>src/Integration.Gateway/bin/&lt;Configuration&gt;/net10.0/Integration.Gateway.dll</c>,
/// the configuration this test assembly was built in) run as a real child process, for tests that kill it
/// (SIGKILL), restart it, or run several instances on one store. Settings go in as environment variables
/// (<c>Store:ConnectionString</c> → <c>Store__ConnectionString</c>), e.g. from <see cref="GatewayFactory.BaseSettings"/>;
/// the environment is <c>Testing</c> and the content root the gateway's project folder. Builds nothing. The child
/// never outlives the test process: it is killed on dispose, at process exit, and by a watchdog if the test
/// process itself is killed.
/// </summary>
public sealed class GatewayProcess : IDisposable
{
    /// <summary>How long a start may take until <c>/health/ready</c> answers 200.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private const int MaxPortAttempts = 3;
    private readonly Dictionary<string, string?> _settings;
    private readonly Lock _gate = new();
    private Process? _process;
    private Process? _watchdog;
    private OutputTail _output = new();
    private int _port;
    private bool _fixedPort;
    private int _disposed;

    /// <param name="settings">Configuration keys (<c>:</c>-separated) and values, as for the host's configuration.</param>
    /// <param name="port">The loopback port to listen on; a free one when null (kept across restarts when still free).</param>
    public GatewayProcess(IEnumerable<KeyValuePair<string, string?>> settings, int? port = null)
    {
        _settings = settings.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        _port = port ?? FreePort.Get();
        _fixedPort = port is not null;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary><c>Debug</c> or <c>Release</c>: the configuration this test code was built in, so the gateway next to it is the one run.</summary>
    public static string Configuration { get; } =
        typeof(GatewayProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The gateway's project folder (its content root: appsettings.json).</summary>
    public static string ProjectDirectory => Path.Combine(RepositoryPaths.Root, "src", "Integration.Gateway");

    /// <summary>The gateway assembly that runs.</summary>
    public static string AssemblyPath => Path.Combine(ProjectDirectory, "bin", Configuration, "net10.0", "Integration.Gateway.dll");

    /// <summary><c>http://127.0.0.1:PORT</c>, without a trailing slash.</summary>
    public string BaseUrl => "http://127.0.0.1:" + _port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The running process's id; null when stopped.</summary>
    public int? ProcessId => _process is { HasExited: false } p ? p.Id : null;

    /// <summary>True while the child process runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the gateway wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>The settings passed to every start.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>Starts the gateway with the settings and waits until <c>/health/ready</c> answers 200. Throws with its output if it exits or does not get ready in time.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"The gateway already runs (pid {_process!.Id}).");
        }

        if (!File.Exists(AssemblyPath))
        {
            throw new FileNotFoundException(
                $"The gateway is not built at '{AssemblyPath}'. GatewayProcess builds nothing: build the test project (it builds the gateway) in {Configuration} first.",
                AssemblyPath);
        }

        for (var attempt = 1; ; attempt++)
        {
            StartProcess();
            try
            {
                await WaitUntilReadyAsync(cancellationToken);
                return;
            }
            catch (GatewayProcessException) when (attempt < MaxPortAttempts && !_fixedPort && !IsRunning
                                                  && RecentOutput.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                _port = FreePort.Get();
            }
        }
    }

    /// <summary>SIGKILL: the process (and anything it started) dies at once, with no shutdown code run, as in a crash.</summary>
    public void Kill()
    {
        Process? process;
        lock (_gate)
        {
            process = _process;
        }

        if (process is null)
        {
            return;
        }

        ChildProcesses.KillQuietly(process);
        StopWatchdog();
    }

    /// <summary>An orderly stop (SIGTERM, so hosted services drain); SIGKILL when it has not exited within <paramref name="timeout"/> (default 30 s).</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            await ChildProcesses.RunAsync("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        Kill();
    }

    /// <summary>A client for <see cref="BaseUrl"/> that sends <paramref name="apiKey"/> as <c>X-Api-Key</c> (none when null).</summary>
    public HttpClient CreateClient(string? apiKey = null, TimeSpan? timeout = null)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Kill();
        _process?.Dispose();
    }

    private void StartProcess()
    {
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = ProjectDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        startInfo.ArgumentList.Add(AssemblyPath);
        startInfo.ArgumentList.Add("--contentRoot");
        startInfo.ArgumentList.Add(ProjectDirectory);

        // Nothing of the test runner's own hosting environment leaks in; the settings say everything.
        foreach (var key in startInfo.Environment.Keys.ToList())
        {
            if (key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase) || key.Equals("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                startInfo.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in _settings)
        {
            startInfo.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }

        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        startInfo.Environment["ASPNETCORE_URLS"] = BaseUrl;

        var output = new OutputTail();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add("[out] ", e.Data);
        process.ErrorDataReceived += (_, e) => output.Add("[err] ", e.Data);
        if (!process.Start())
        {
            throw new GatewayProcessException($"Could not start {startInfo.FileName} {AssemblyPath}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_gate)
        {
            _process?.Dispose();
            _process = process;
            _output = output;
        }

        StopWatchdog();
        _watchdog = ChildProcesses.KillOnParentDeath(process.Id);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(5) };
        var stopwatch = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        string? last = null;
        while (stopwatch.Elapsed < StartTimeout)
        {
            var process = _process!;
            if (process.HasExited)
            {
                process.WaitForExit();
                throw new GatewayProcessException(
                    $"The gateway exited with code {process.ExitCode} before it was ready at {BaseUrl}. Output:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await probe.GetAsync("/health/ready", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"/health/ready answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex.Message;
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }

        Kill();
        throw new GatewayProcessException(
            $"The gateway was not ready at {BaseUrl} within {StartTimeout.TotalSeconds:0} s (last: {last}). Output:{Environment.NewLine}{RecentOutput}");
    }

    private void StopWatchdog()
    {
        var watchdog = Interlocked.Exchange(ref _watchdog, null);
        if (watchdog is not null)
        {
            ChildProcesses.KillQuietly(watchdog, TimeSpan.FromSeconds(2));
            watchdog.Dispose();
        }
    }

    /// <summary>The dotnet host running this test process (so the same runtime runs the gateway), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }

        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        return ChildProcesses.FindExecutable(OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet") ?? "dotnet";
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}

/// <summary>The gateway process did not start or get ready; the message carries its output.</summary>
public sealed class GatewayProcessException(string message) : Exception(message);
