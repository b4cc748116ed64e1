using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Integration.Testing.Servers;

/// <summary>
/// The real WireMock standalone server (the jar inside the npm package <c>wiremock</c> in <c>mocks/</c>), run as a child
/// java process on a free loopback port, with <c>mocks/</c> as its root dir (<c>mappings/&lt;upstream&gt;/*.json</c>,
/// <c>__files/&lt;upstream&gt;/</c>), plus helpers over its admin API. Response templating is global.
/// </summary>
public sealed class WireMockServer : IDisposable
{
    /// <summary>How long the server may take to answer its admin API after start.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private const int MaxPortAttempts = 3;
    private static readonly JsonSerializerOptions s_mappingJson = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly Process? _watchdog;
    private readonly OutputTail _output;
    private readonly HttpClient _admin;
    private int _disposed;

    /// <summary>Starts WireMock and waits (at most <see cref="StartTimeout"/>) until its admin API answers.</summary>
    /// <param name="rootDir">WireMock's root dir; defaults to the repository's <c>mocks/</c> folder.</param>
    /// <param name="jarPath">The standalone jar; defaults to the one under <c>mocks/node_modules/wiremock/build/</c>.</param>
    /// <param name="extraArguments">More WireMock options, e.g. <c>--no-request-journal</c>.</param>
    public WireMockServer(string? rootDir = null, string? jarPath = null, IEnumerable<string>? extraArguments = null)
    {
        RootDir = Path.GetFullPath(rootDir ?? RepositoryPaths.Mocks);
        if (!Directory.Exists(RootDir))
        {
            throw new DirectoryNotFoundException($"WireMock root dir '{RootDir}' does not exist.");
        }

        JarPath = jarPath ?? FindJar(RootDir);
        var java = FindJava();
        var extra = extraArguments?.ToList() ?? [];
        var stopwatch = Stopwatch.StartNew();

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Get();
            var output = new OutputTail();
            var arguments = new List<string>
            {
                "-Xmx384m",
                "-jar", JarPath,
                "--port", port.ToString(CultureInfo.InvariantCulture),
                "--bind-address", "127.0.0.1",
                "--root-dir", RootDir,
                "--disable-banner",
                "--async-response-enabled", "true",
                "--max-request-journal-entries", "5000",
                "--global-response-templating",
            };
            arguments.AddRange(extra);

            var process = ChildProcesses.StartLongRunning(java, arguments, RootDir, output);
            var watchdog = ChildProcesses.KillOnParentDeath(process.Id);
            var baseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            var admin = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
            try
            {
                WaitUntilReady(process, admin, output, stopwatch);
            }
            catch (Exception ex)
            {
                admin.Dispose();
                ChildProcesses.KillQuietly(process);
                process.Dispose();
                ChildProcesses.StopWatchdog(watchdog);

                if (ex is WireMockStartException && attempt < MaxPortAttempts && LooksLikePortClash(output))
                {
                    continue;
                }

                throw;
            }

            _process = process;
            _watchdog = watchdog;
            _output = output;
            _admin = admin;
            Port = port;
            BaseUrl = baseUrl;
            break;
        }

        StartupTime = stopwatch.Elapsed;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary><c>http://127.0.0.1:PORT</c>, without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>The loopback port WireMock listens on.</summary>
    public int Port { get; }

    /// <summary>WireMock's root dir (holding <c>mappings/</c> and <c>__files/</c>).</summary>
    public string RootDir { get; }

    /// <summary>The standalone jar that runs.</summary>
    public string JarPath { get; }

    /// <summary>The java process's id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>How long the start took, until the admin API answered.</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>The last lines WireMock wrote to stdout and stderr.</summary>
    public string RecentOutput => _output.ToString();

    /// <summary>
    /// <c>POST /__admin/reset</c>: drops stubs added through the API, reloads the file mappings, clears the request
    /// journal and resets every scenario to <c>Started</c>.
    /// </summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await SendAsync(HttpMethod.Post, "/__admin/reset", null, cancellationToken).ConfigureAwait(false);
        await ResetScenariosAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /__admin/requests</c>: clears only the request journal.</summary>
    public Task ResetRequestsAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "/__admin/requests", null, cancellationToken);

    /// <summary><c>POST /__admin/mappings</c> with a stub mapping in WireMock's JSON format; returns its id.</summary>
    public async Task<Guid> AddMappingAsync(string mappingJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mappingJson);
        var response = await SendAsync(HttpMethod.Post, "/__admin/mappings", mappingJson, cancellationToken)
            .ConfigureAwait(false);
        var id = JsonNode.Parse(response)?["id"]?.GetValue<string>();
        return id is null ? Guid.Empty : Guid.Parse(id);
    }

    /// <summary>
    /// <c>POST /__admin/mappings</c> with a stub mapping given as an object (anonymous object, dictionary or
    /// <see cref="JsonNode"/>), serialized with camelCase names; returns its id.
    /// </summary>
    public Task<Guid> AddMappingAsync(object mapping, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        var json = mapping switch
        {
            string text => text,
            JsonNode node => node.ToJsonString(),
            _ => JsonSerializer.Serialize(mapping, mapping.GetType(), s_mappingJson),
        };
        return AddMappingAsync(json, cancellationToken);
    }

    /// <summary><c>DELETE /__admin/mappings/{id}</c>.</summary>
    public Task RemoveMappingAsync(Guid id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"/__admin/mappings/{id}", null, cancellationToken);

    /// <summary>
    /// <c>POST /__admin/requests/count</c>: how many logged requests have this method (<c>ANY</c> for all) and this
    /// path (<c>urlPath</c>, the query string is ignored) or path regex (<c>urlPathPattern</c>).
    /// </summary>
    public async Task<int> CountRequestsAsync(
        string method, string urlPathOrPattern, bool regex = false, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(
                HttpMethod.Post, "/__admin/requests/count", RequestPattern(method, urlPathOrPattern, regex),
                cancellationToken)
            .ConfigureAwait(false);
        return JsonNode.Parse(response)?["count"]?.GetValue<int>() ?? 0;
    }

    /// <summary><c>POST /__admin/requests/count</c> with a full WireMock request pattern.</summary>
    public async Task<int> CountRequestsAsync(JsonObject requestPattern, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(
                HttpMethod.Post, "/__admin/requests/count", requestPattern.ToJsonString(), cancellationToken)
            .ConfigureAwait(false);
        return JsonNode.Parse(response)?["count"]?.GetValue<int>() ?? 0;
    }

    /// <summary>
    /// <c>POST /__admin/requests/find</c> with a method and path (or path regex), oldest first.
    /// </summary>
    public Task<IReadOnlyList<WireMockRequest>> FindRequestsAsync(
        string method, string urlPathOrPattern, bool regex = false, CancellationToken cancellationToken = default) =>
        FindAsync(RequestPattern(method, urlPathOrPattern, regex), cancellationToken);

    /// <summary><c>POST /__admin/requests/find</c> with a full WireMock request pattern, oldest first.</summary>
    public Task<IReadOnlyList<WireMockRequest>> FindRequestsAsync(
        JsonObject requestPattern, CancellationToken cancellationToken = default) =>
        FindAsync(requestPattern.ToJsonString(), cancellationToken);

    /// <summary><c>GET /__admin/requests</c>: every request in the journal, oldest first.</summary>
    public async Task<IReadOnlyList<WireMockRequest>> GetAllRequestsAsync(CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "/__admin/requests", null, cancellationToken)
            .ConfigureAwait(false);
        var events = JsonNode.Parse(response)?["requests"] as JsonArray ?? [];
        var requests = new List<WireMockRequest>(events.Count);
        foreach (var serveEvent in events)
        {
            if (serveEvent?["request"] is JsonObject request)
            {
                var wasMatched = serveEvent["wasMatched"] is JsonValue matched && matched.TryGetValue<bool>(out var m)
                    ? m
                    : (bool?)null;
                requests.Add(WireMockRequest.Parse(request, wasMatched));
            }
        }

        // The journal lists newest first; keep arrival order for equal timestamps.
        requests.Reverse();
        return requests.OrderBy(r => r.LoggedDate).ToList();
    }

    /// <summary><c>GET /__admin/requests/unmatched</c>: requests no stub matched, oldest first.</summary>
    public async Task<IReadOnlyList<WireMockRequest>> GetUnmatchedRequestsAsync(
        CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "/__admin/requests/unmatched", null, cancellationToken)
            .ConfigureAwait(false);
        return ParseRequestList(response, wasMatched: false);
    }

    /// <summary>
    /// Polls <see cref="CountRequestsAsync(string, string, bool, CancellationToken)"/> until at least
    /// <paramref name="expected"/> requests arrived or <paramref name="timeout"/> passed; returns the last count.
    /// </summary>
    public async Task<int> WaitForRequestsAsync(
        string method, string urlPathOrPattern, int expected, TimeSpan timeout, bool regex = false,
        CancellationToken cancellationToken = default)
    {
        var count = 0;
        await Poll.UntilAsync(
                async () => (count = await CountRequestsAsync(method, urlPathOrPattern, regex, cancellationToken).ConfigureAwait(false)) >= expected,
                timeout,
                TimeSpan.FromMilliseconds(50),
                cancellationToken)
            .ConfigureAwait(false);
        return count;
    }

    /// <summary><c>PUT /__admin/scenarios/{name}/state</c>.</summary>
    public Task SetScenarioStateAsync(string name, string state, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(state);
        var body = new JsonObject { ["state"] = state }.ToJsonString();
        return SendAsync(HttpMethod.Put, $"/__admin/scenarios/{Uri.EscapeDataString(name)}/state", body, cancellationToken);
    }

    /// <summary><c>GET /__admin/scenarios</c>: each scenario's current state, by name.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetScenarioStatesAsync(
        CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, "/__admin/scenarios", null, cancellationToken)
            .ConfigureAwait(false);
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var scenario in JsonNode.Parse(response)?["scenarios"] as JsonArray ?? [])
        {
            var name = scenario?["name"]?.GetValue<string>();
            if (name is not null)
            {
                states[name] = scenario?["state"]?.GetValue<string>() ?? string.Empty;
            }
        }

        return states;
    }

    /// <summary><c>POST /__admin/scenarios/reset</c>: every scenario back to <c>Started</c>.</summary>
    public Task ResetScenariosAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "/__admin/scenarios/reset", null, cancellationToken);

    /// <summary>Builds a URL on this server from a path, e.g. <c>Url("/c06")</c>.</summary>
    public string Url(string path) => BaseUrl + (path.StartsWith('/') ? path : "/" + path);

    /// <summary>Kills the java process (and anything it started).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        ChildProcesses.KillQuietly(_process);
        _process.Dispose();
        ChildProcesses.StopWatchdog(_watchdog);
        _admin.Dispose();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private async Task<IReadOnlyList<WireMockRequest>> FindAsync(string pattern, CancellationToken cancellationToken)
    {
        var response = await SendAsync(HttpMethod.Post, "/__admin/requests/find", pattern, cancellationToken)
            .ConfigureAwait(false);
        return ParseRequestList(response, wasMatched: null);
    }

    private static List<WireMockRequest> ParseRequestList(string response, bool? wasMatched)
    {
        var items = JsonNode.Parse(response)?["requests"] as JsonArray ?? [];
        return items.OfType<JsonObject>()
            .Select(item => WireMockRequest.Parse(item, wasMatched))
            .OrderBy(r => r.LoggedDate)
            .ToList();
    }

    private static string RequestPattern(string method, string urlPathOrPattern, bool regex)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(urlPathOrPattern);
        return new JsonObject
        {
            ["method"] = method.ToUpperInvariant(),
            [regex ? "urlPathPattern" : "urlPath"] = urlPathOrPattern,
        }.ToJsonString();
    }

    private async Task<string> SendAsync(
        HttpMethod method, string path, string? jsonBody, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        using var request = new HttpRequestMessage(method, path);
        if (jsonBody is not null)
        {
            request.Content = new StringContent(jsonBody, Encoding.UTF8, "application/json");
        }

        using var response = await _admin.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"WireMock admin {method} {path} answered {(int)response.StatusCode}: {body}");
        }

        return body;
    }

    private static void WaitUntilReady(Process process, HttpClient admin, OutputTail output, Stopwatch stopwatch)
    {
        using var probe = new HttpClient { BaseAddress = admin.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        Exception? lastError = null;
        bool Answers()
        {
            if (process.HasExited)
            {
                // Let the output readers catch up before reporting.
                process.WaitForExit();
                throw new WireMockStartException(
                    $"WireMock exited with code {process.ExitCode} before answering at {admin.BaseAddress}. " +
                    $"Output:{Environment.NewLine}{output}");
            }

            try
            {
                using var response = probe.GetAsync("/__admin/health").GetAwaiter().GetResult();
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    using var mappings = probe.GetAsync("/__admin/mappings?limit=1").GetAwaiter().GetResult();
                    if (mappings.IsSuccessStatusCode)
                    {
                        return true;
                    }
                }

                lastError = new HttpRequestException($"/__admin/health answered {(int)response.StatusCode}");
            }
            catch (HttpRequestException ex)
            {
                lastError = ex;
            }
            catch (TaskCanceledException ex)
            {
                lastError = ex;
            }

            return false;
        }

        if (Poll.Until(Answers, StartTimeout - stopwatch.Elapsed, TimeSpan.FromMilliseconds(100)))
        {
            return;
        }

        throw new WireMockStartException(
            $"WireMock did not answer {admin.BaseAddress}__admin/health within {StartTimeout.TotalSeconds:0} s " +
            $"(last error: {lastError?.Message}). Output:{Environment.NewLine}{output}");
    }

    private static bool LooksLikePortClash(OutputTail output)
    {
        var text = output.ToString();
        return text.Contains("Failed to bind", StringComparison.OrdinalIgnoreCase)
            || text.Contains("BindException", StringComparison.Ordinal)
            || text.Contains("Address already in use", StringComparison.OrdinalIgnoreCase);
    }

    private static string FindJar(string rootDir)
    {
        var buildDir = Path.Combine(rootDir, "node_modules", "wiremock", "build");
        var jar = Directory.Exists(buildDir)
            ? Directory.GetFiles(buildDir, "wiremock-standalone-*.jar").OrderDescending(StringComparer.Ordinal).FirstOrDefault()
            : null;
        return jar ?? throw new FileNotFoundException(
            $"No wiremock-standalone-*.jar under '{buildDir}'. Run 'npm ci' in '{rootDir}' (or tests/setup).");
    }

    private static string FindJava()
    {
        var javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        if (!string.IsNullOrEmpty(javaHome) && File.Exists(Path.Combine(javaHome, "bin", "java")))
        {
            return Path.Combine(javaHome, "bin", "java");
        }

        return ChildProcesses.FindExecutable("java")
            ?? throw new FileNotFoundException("java was not found on PATH (WireMock needs Java 11 or later).");
    }
}

/// <summary>WireMock did not start; the message carries its output.</summary>
public sealed class WireMockStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WireMockStartException(string message)
        : base(message)
    {
    }
}
