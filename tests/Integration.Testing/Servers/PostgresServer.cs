using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Integration.Testing.Servers;

/// <summary>
/// A PostgreSQL server for tests: the one in <c>TEST_POSTGRES_CONNECTION</c> (a superuser connection string in Npgsql
/// format) when that variable is set, otherwise a private cluster made with <c>initdb</c> in a temp folder and started
/// with <c>pg_ctl</c> on a free loopback port (trust auth, user <c>postgres</c>, fsync off). As root, the cluster runs
/// as the system user <c>pgtest</c> (created when missing), because initdb and postgres refuse to run as root.
/// Talks to the server through <c>psql</c>, so the fixtures need no Npgsql package.
/// </summary>
public sealed partial class PostgresServer : IDisposable
{
    /// <summary>The system user a private cluster runs as when the test process is root.</summary>
    public const string ClusterUser = "pgtest";

    private const string Superuser = "postgres";
    private const int MaxPortAttempts = 3;
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<bool> s_clusterUser = new(EnsureClusterUser, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string? _root;
    private readonly string? _binDirectory;
    private readonly Process? _watchdog;
    private readonly ConnectionInfo _admin;
    private readonly List<string> _createdDatabases = [];
    private readonly Lock _createdGate = new();
    private int _port;
    private int _disposed;

    /// <summary>
    /// Uses <c>TEST_POSTGRES_CONNECTION</c> when set; otherwise creates and starts a private cluster
    /// (<c>pg_ctl start -w</c>, at most 60 s).
    /// </summary>
    public PostgresServer()
        : this(Environment.GetEnvironmentVariable("TEST_POSTGRES_CONNECTION"))
    {
    }

    private PostgresServer(string? existingConnectionString)
    {
        var stopwatch = Stopwatch.StartNew();
        if (!string.IsNullOrWhiteSpace(existingConnectionString))
        {
            IsOwned = false;
            _admin = ConnectionInfo.Parse(existingConnectionString);
            _binDirectory = FindBinDirectory(required: false);
            QueryAsync("select 1").GetAwaiter().GetResult();
            StartupTime = stopwatch.Elapsed;
            return;
        }

        IsOwned = true;
        _binDirectory = FindBinDirectory(required: true);
        _root = CreateClusterRoot();

        // If this process dies without disposing (killed by the test runner), stop the cluster and delete its folder.
        // The watchdog ends by itself once the folder is gone.
        _watchdog = ChildProcesses.StartParentDeathWatchdog(
            "[ -d \"$2\" ] || exit 0",
            $"if [ -d \"$2/data\" ]; then {(ChildProcesses.RunningAsRoot ? $"runuser -u {ClusterUser} -- " : string.Empty)}" +
            "\"$3\" stop -D \"$2/data\" -m immediate -w -t 30; fi; rm -rf \"$2\"",
            _root,
            Tool("pg_ctl"));
        try
        {
            Run(Tool("initdb"), [
                "-D", DataDirectory, "-U", Superuser, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync",
                "--no-instructions",
            ]);

            for (var attempt = 1; ; attempt++)
            {
                _port = FreePort.Get();
                try
                {
                    Run(Tool("pg_ctl"), ["-D", DataDirectory, "-o", ServerOptions, "-l", LogFile, "-w", "-t", "60", "start"]);
                    break;
                }
                catch (InvalidOperationException) when (attempt < MaxPortAttempts && ReadLog().Contains(
                                                            "Address already in use", StringComparison.OrdinalIgnoreCase))
                {
                }
            }
        }
        catch (Exception ex)
        {
            var log = ReadLog();
            StopCluster("immediate");
            ChildProcesses.DeleteDirectoryQuietly(_root);
            throw new InvalidOperationException($"Could not start PostgreSQL: {ex.Message}{Environment.NewLine}Server log:{Environment.NewLine}{log}", ex);
        }

        _admin = new ConnectionInfo("127.0.0.1", _port, Superuser, Password: null, Database: "postgres", SslMode: null);
        StartupTime = stopwatch.Elapsed;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Always creates a private cluster (ignoring <c>TEST_POSTGRES_CONNECTION</c>), e.g. for chaos tests.</summary>
    public static PostgresServer StartNew() => new((string?)null);

    /// <summary>True when this object created the cluster (and so may restart it).</summary>
    public bool IsOwned { get; }

    /// <summary>The port the server listens on.</summary>
    public int Port => IsOwned ? _port : _admin.Port;

    /// <summary>How long the start took (initdb and pg_ctl start, or the first query on a shared server).</summary>
    public TimeSpan StartupTime { get; }

    /// <summary>A superuser connection string (Npgsql format) to the <c>postgres</c> database.</summary>
    public string AdminConnectionString => _admin.ToConnectionString();

    /// <summary>The private cluster's data folder (owned servers only).</summary>
    public string DataDirectory => Path.Combine(_root ?? throw NotOwned(nameof(DataDirectory)), "data");

    private string LogFile => Path.Combine(_root!, "postgres.log");

    private string ServerOptions =>
        $"-p {_port.ToString(CultureInfo.InvariantCulture)} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off " +
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB";

    /// <summary>
    /// Creates a fresh empty database (named <c>test_&lt;guid&gt;</c> unless given) and returns a superuser connection
    /// string (Npgsql format) to it.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        name ??= "test_" + Guid.NewGuid().ToString("N");
        ValidateName(name);
        await QueryAsync($"CREATE DATABASE \"{name}\"", cancellationToken: cancellationToken).ConfigureAwait(false);
        lock (_createdGate)
        {
            _createdDatabases.Add(name);
        }

        return (_admin with { Database = name }).ToConnectionString();
    }

    /// <summary>Drops a database, closing its connections first.</summary>
    public async Task DropDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        await QueryAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        lock (_createdGate)
        {
            _createdDatabases.Remove(name);
        }
    }

    /// <summary>
    /// Runs SQL through <c>psql -X -At -v ON_ERROR_STOP=1 -c</c> as the superuser, in <paramref name="database"/>
    /// (default <c>postgres</c>); returns psql's output (unaligned, tuples only, trimmed). Throws when psql fails.
    /// </summary>
    public async Task<string> QueryAsync(string sql, string? database = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        var target = database is null ? _admin : _admin with { Database = database };
        var psql = _binDirectory is not null && File.Exists(Path.Combine(_binDirectory, "psql"))
            ? Path.Combine(_binDirectory, "psql")
            : ChildProcesses.FindExecutable("psql")
            ?? throw new FileNotFoundException("psql was not found on PATH (Debian package postgresql-client).");
        var result = await ChildProcesses.RunCheckedAsync(
                psql,
                ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", target.Host, "-p",
                    target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username, "-d", target.Database,
                    "-c", sql],
                s_commandTimeout,
                environment: target.PsqlEnvironment(),
                cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return result.StandardOutput.Trim();
    }

    /// <summary><c>pg_ctl restart -m fast</c> (owned clusters only): every connection is cut, then the server is back.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned(nameof(RestartAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RunAsync(
                    Tool("pg_ctl"),
                    ["-D", DataDirectory, "-o", ServerOptions, "-l", LogFile, "-m", "fast", "-w", "-t", "60", "restart"],
                    cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// <c>pg_ctl stop</c> (owned clusters only), for outage tests; <paramref name="mode"/> is <c>fast</c> or
    /// <c>immediate</c> (a crash). Start it again with <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync(string mode = "fast", CancellationToken cancellationToken = default)
    {
        EnsureOwned(nameof(StopAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RunAsync(Tool("pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "60", "stop"], cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary><c>pg_ctl start -w</c> on the same port after <see cref="StopAsync"/> (owned clusters only).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        EnsureOwned(nameof(StartAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RunAsync(
                    Tool("pg_ctl"),
                    ["-D", DataDirectory, "-o", ServerOptions, "-l", LogFile, "-w", "-t", "60", "start"],
                    cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The private cluster's server log (empty for a shared server).</summary>
    public string ReadLog()
    {
        try
        {
            return _root is not null && File.Exists(LogFile) ? File.ReadAllText(LogFile) : string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// Owned: <c>pg_ctl stop -m immediate</c> and deletes the folder. Shared: drops the databases this object created.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (IsOwned)
        {
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            StopCluster("immediate");
            ChildProcesses.DeleteDirectoryQuietly(_root!);
            ChildProcesses.StopWatchdog(_watchdog);
            return;
        }

        string[] created;
        lock (_createdGate)
        {
            created = [.. _createdDatabases];
        }

        foreach (var name in created)
        {
            try
            {
                QueryAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
                // Best effort: the shared server may already be gone.
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private void StopCluster(string mode)
    {
        if (_root is null || !File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            return;
        }

        try
        {
            Run(Tool("pg_ctl"), ["-D", DataDirectory, "-m", mode, "-w", "-t", "30", "stop"]);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // Best effort on the way out.
        }
    }

    private string Tool(string name) => Path.Combine(_binDirectory!, name);

    private void Run(string executable, IReadOnlyList<string> arguments) =>
        RunAsync(executable, arguments, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Runs a cluster tool as the cluster's owner (via runuser when the test process is root).</summary>
    private async Task RunAsync(string executable, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (fileName, allArguments) = ChildProcesses.RunningAsRoot
            ? ("runuser", (IReadOnlyList<string>)["-u", ClusterUser, "--", executable, .. arguments])
            : (executable, arguments);
        var environment = new Dictionary<string, string> { ["LC_ALL"] = "C", ["LANG"] = "C" };
        await ChildProcesses.RunCheckedAsync(fileName, allArguments, TimeSpan.FromSeconds(90), _root, environment, cancellationToken)
            .ConfigureAwait(false);
    }

    private static string CreateClusterRoot()
    {
        if (!ChildProcesses.RunningAsRoot)
        {
            return Directory.CreateTempSubdirectory("pgtest-").FullName;
        }

        _ = s_clusterUser.Value;

        // Not under $TMPDIR, which may sit below /root where the cluster user cannot go.
        var root = Path.Combine("/tmp", "pgtest-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        try
        {
            ChildProcesses.RunCheckedAsync("chown", [ClusterUser, root], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        }
        catch
        {
            ChildProcesses.DeleteDirectoryQuietly(root);
            throw;
        }

        return root;
    }

    private static bool EnsureClusterUser()
    {
        static bool Exists() =>
            ChildProcesses.RunAsync("id", ["-u", ClusterUser], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult().ExitCode == 0;

        // Several test processes may race to create it; useradd fails for all but one (it holds a lock on
        // /etc/passwd), so try again until the user exists.
        ProcessResult? last = null;
        bool Created()
        {
            if (Exists())
            {
                return true;
            }

            last = ChildProcesses.RunAsync(
                    "useradd",
                    ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
                        "/usr/sbin/nologin", "--comment", "PostgreSQL clusters of the test suite", ClusterUser],
                    TimeSpan.FromSeconds(30))
                .GetAwaiter().GetResult();
            return Exists();
        }

        if (Poll.Until(Created, TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(200)))
        {
            return true;
        }

        throw new InvalidOperationException(
            $"Could not create the system user '{ClusterUser}' that runs test PostgreSQL clusters (initdb refuses root): " +
            last?.Describe());
    }

    private static string? FindBinDirectory(bool required)
    {
        var pgCtl = ChildProcesses.FindExecutable("pg_ctl");
        if (pgCtl is not null)
        {
            var target = new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl;
            var directory = Path.GetDirectoryName(target)!;
            if (File.Exists(Path.Combine(directory, "initdb")))
            {
                return directory;
            }
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(path => (Path: Path.Combine(path, "bin"), Version: int.TryParse(Path.GetFileName(path), out var v) ? v : 0))
                .Where(candidate => File.Exists(Path.Combine(candidate.Path, "pg_ctl")))
                .OrderByDescending(candidate => candidate.Version)
                .FirstOrDefault();
            if (newest.Path is not null)
            {
                return newest.Path;
            }
        }

        return required
            ? throw new FileNotFoundException("pg_ctl and initdb were not found (on PATH or under /usr/lib/postgresql/*/bin).")
            : null;
    }

    private static void ValidateName(string name)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain database name (letters, digits, _; at most 63).", nameof(name));
        }
    }

    private void EnsureOwned(string operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!IsOwned)
        {
            throw NotOwned(operation);
        }
    }

    private static InvalidOperationException NotOwned(string operation) =>
        new($"{operation} needs a PostgreSQL cluster this test process created; this one comes from " +
            "TEST_POSTGRES_CONNECTION. Use PostgresServer.StartNew() for chaos tests.");

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();

    /// <summary>The parts of an Npgsql connection string psql needs.</summary>
    /// <remarks><paramref name="Original"/>: the shared server's connection string, whose other settings are kept.</remarks>
    private sealed record ConnectionInfo(
        string Host, int Port, string Username, string? Password, string Database, string? SslMode, string? Original = null)
    {
        private static readonly string[] s_hostKeys = ["Host", "Server"];
        private static readonly string[] s_portKeys = ["Port"];
        private static readonly string[] s_userKeys = ["Username", "User Name", "UserName", "User ID", "UserId", "User", "UID"];
        private static readonly string[] s_passwordKeys = ["Password", "PWD", "PSW"];
        private static readonly string[] s_databaseKeys = ["Database", "DB"];
        private static readonly string[] s_sslKeys = ["SSL Mode", "SslMode", "sslmode"];

        public static ConnectionInfo Parse(string connectionString)
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            string? Get(string[] keys) =>
                keys.Select(key => builder.TryGetValue(key, out var value) ? value?.ToString() : null)
                    .FirstOrDefault(value => !string.IsNullOrEmpty(value));

            var host = Get(s_hostKeys)?.Split(',')[0].Trim();
            var port = Get(s_portKeys);
            return new ConnectionInfo(
                string.IsNullOrEmpty(host) ? "127.0.0.1" : host,
                port is null ? 5432 : int.Parse(port, CultureInfo.InvariantCulture),
                Get(s_userKeys) ?? Superuser,
                Get(s_passwordKeys),
                Get(s_databaseKeys) ?? "postgres",
                Get(s_sslKeys),
                connectionString);
        }

        public string ToConnectionString()
        {
            if (Original is not null)
            {
                var original = new DbConnectionStringBuilder { ConnectionString = Original };
                foreach (var key in s_databaseKeys)
                {
                    original.Remove(key);
                }

                original["Database"] = Database;
                return original.ConnectionString;
            }

            var builder = new DbConnectionStringBuilder
            {
                ["Host"] = Host,
                ["Port"] = Port.ToString(CultureInfo.InvariantCulture),
                ["Username"] = Username,
                ["Database"] = Database,
            };
            if (Password is not null)
            {
                builder["Password"] = Password;
            }

            if (SslMode is not null)
            {
                builder["SSL Mode"] = SslMode;
            }

            return builder.ConnectionString;
        }

        public Dictionary<string, string> PsqlEnvironment()
        {
            var environment = new Dictionary<string, string> { ["PGCONNECT_TIMEOUT"] = "10" };
            if (Password is not null)
            {
                environment["PGPASSWORD"] = Password;
            }

            if (SslMode is not null)
            {
                environment["PGSSLMODE"] = SslMode.ToLowerInvariant() switch
                {
                    "verifyca" => "verify-ca",
                    "verifyfull" => "verify-full",
                    var mode => mode,
                };
            }

            return environment;
        }
    }
}
