using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Integration.Testing.Servers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Integration.Testing;

/// <summary>How a test wants its gateway built.</summary>
public sealed class GatewayFactoryOptions
{
    /// <summary>Use a fresh PostgreSQL database instead of a fresh SQLite file.</summary>
    public bool Postgres { get; init; }

    /// <summary>An existing store connection string to share (scale-out and restart tests).</summary>
    public string? StoreConnectionString { get; init; }

    /// <summary>Use the test Redis as L2 cache.</summary>
    public bool Redis { get; init; }

    /// <summary>Privacy keys; instances that share Redis must share these.</summary>
    public string HashKey { get; init; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string EncryptionKey { get; init; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Replaces the host's clock.</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Keep the resilience defaults the connectors ship instead of the fast test settings.</summary>
    public bool ShippedResilience { get; init; }

    /// <summary>Point connectors at WireMock (default). False leaves base URLs unset, for tests that set their own.</summary>
    public bool UseWireMock { get; init; } = true;

    /// <summary>Settings applied last, e.g. <c>Connectors:Identity:Resilience:MaxRetryAttempts</c>.</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The hosting environment (<c>Development</c>, <c>Production</c>, …).</summary>
    public string Environment { get; init; } = "Testing";

    /// <summary>More service registrations, applied after the host's own.</summary>
    public Action<IServiceCollection>? Services { get; init; }
}

/// <summary>
/// The real gateway host (<see cref="WebApplicationFactory{TEntryPoint}"/>) on a fresh store, with
/// its connectors pointed at this test run's WireMock, fast resilience settings, and the test API
/// keys below. One factory per test (or per class when a test says so) keeps tests independent.
/// </summary>
public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    /// <summary>Scopes identity, telco, payment, portal, linked; 600 requests a minute.</summary>
    public const string DeskKey = "test-desk-key";

    /// <summary>Scope ops.</summary>
    public const string OpsKey = "test-ops-key";

    /// <summary>Scope identity only.</summary>
    public const string IdentityOnlyKey = "test-identity-only-key";

    /// <summary>Scopes identity and ops, 3 requests a minute.</summary>
    public const string LimitedKey = "test-limited-key";

    private readonly GatewayFactoryOptions _options;
    private readonly string _storeConnectionString;
    private readonly string? _sqliteFile;
    private TaskCompletionSource _harnessReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _kestrel;

    public GatewayFactory(GatewayFactoryOptions? options = null)
    {
        _options = options ?? new GatewayFactoryOptions();
        if (_options.StoreConnectionString is { } shared)
        {
            _storeConnectionString = shared;
        }
        else if (_options.Postgres)
        {
            _storeConnectionString = TestServers.Postgres.CreateDatabaseAsync().GetAwaiter().GetResult();
        }
        else
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), "gateway-tests", Guid.NewGuid().ToString("N") + ".db");
            Directory.CreateDirectory(Path.GetDirectoryName(_sqliteFile)!);
            _storeConnectionString = $"Data Source={_sqliteFile}";
        }
    }

    public LogCapture Logs { get; } = new();

    public string StoreConnectionString => _storeConnectionString;

    public string StoreProvider => _options.Postgres || _storeConnectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase) ? "postgres" : "sqlite";

    public static WireMockServer WireMock => TestServers.WireMock;

    /// <summary>A client that sends <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public static string Sha256Hex(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The settings every test gateway starts with (before <see cref="GatewayFactoryOptions.Settings"/>).</summary>
    public IDictionary<string, string?> BaseSettings()
    {
        var s = new Dictionary<string, string?>
        {
            ["Store:Provider"] = StoreProvider,
            ["Store:ConnectionString"] = _storeConnectionString,
            ["Redis:Configuration"] = _options.Redis ? TestServers.Redis.ConnectionString : "",
            ["Redis:KeyPrefix"] = "gw:",
            // The shipped 250 ms is a production budget; on a busy 2-core test machine a first Redis call can take
            // longer, and a timed-out L2 write would make "the other instance answers from the shared cache" flaky.
            ["Redis:OperationTimeout"] = "00:00:02",
            ["Privacy:HashKey"] = _options.HashKey,
            ["Privacy:EncryptionKey"] = _options.EncryptionKey,
            ["Logging:LogLevel:Default"] = "Information",
            // Probes would call every upstream at start and fill WireMock's journal; tests that need them set an interval.
            ["Gateway:Probes:Interval"] = "00:00:00",
        };
        AddClient(s, 0, "test-desk", DeskKey, 600, "identity", "telco", "payment", "portal", "linked");
        AddClient(s, 1, "test-ops", OpsKey, 600, "ops");
        AddClient(s, 2, "test-identity-only", IdentityOnlyKey, 600, "identity");
        AddClient(s, 3, "test-limited", LimitedKey, 3, "identity", "ops");

        foreach (var connector in _options.ShippedResilience ? [] : new[] { "Identity", "Telco", "Payment", "NationalPortal", "Linked" })
        {
            // Fast enough for tests, the same for every connector whatever defaults it ships
            // (ShippedResilience keeps those); retries and window as the standard handler's.
            s[$"Connectors:{connector}:Resilience:TotalTimeout"] = "00:00:10";
            s[$"Connectors:{connector}:Resilience:MaxRetryAttempts"] = "3";
            s[$"Connectors:{connector}:Resilience:SamplingDuration"] = "00:00:30";
            s[$"Connectors:{connector}:Resilience:AttemptTimeout"] = "00:00:02";
            s[$"Connectors:{connector}:Resilience:RetryDelay"] = "00:00:00.050";
            s[$"Connectors:{connector}:Resilience:RetryMaxDelay"] = "00:00:00.500";
            s[$"Connectors:{connector}:Resilience:BreakDuration"] = "00:00:01";
            s[$"Connectors:{connector}:Resilience:MinimumThroughput"] = "10";
            s[$"Connectors:{connector}:Resilience:FailureRatio"] = "0.5";
        }

        if (_options.UseWireMock)
        {
            var m = WireMock.BaseUrl;
            s["Connectors:Identity:Lgsp:BaseUrl"] = m + "/lgsp";
            s["Connectors:Identity:Lgsp:ClientId"] = "dev-gateway";
            s["Connectors:Identity:Lgsp:ClientSecret"] = "dev-lgsp-secret";
            s["Connectors:Identity:C06:BaseUrl"] = m + "/c06";
            s["Connectors:Identity:C06:ServiceCode"] = "DVC-TINH-DEV";
            s["Connectors:Identity:C06:IntegrationCode"] = "TICHHOP-DEV";
            s["Connectors:Identity:VneId:BaseUrl"] = m + "/vneid";
            s["Connectors:Identity:VneId:ClientId"] = "dev-gateway";
            s["Connectors:Identity:VneId:ClientSecret"] = "dev-vneid-secret";
            s["Connectors:Identity:VneId:RedirectUri"] = "http://localhost/api/v1/identity/vneid/callback";
            // Tickets of sign-ins returning to the one-stop desk are the desk's; the second prefix is another system's.
            s["Connectors:Identity:VneId:AllowedReturnUrls:0:Prefix"] = "https://one-stop.example.gov.vn/";
            s["Connectors:Identity:VneId:AllowedReturnUrls:0:Client"] = "test-desk";
            s["Connectors:Identity:VneId:AllowedReturnUrls:1:Prefix"] = "https://identity-desk.example.gov.vn/";
            s["Connectors:Identity:VneId:AllowedReturnUrls:1:Client"] = "test-identity-only";
            s["Connectors:Telco:Mnp:BaseUrl"] = m + "/mnp";
            s["Connectors:Telco:Viettel:BaseUrl"] = m + "/viettel";
            s["Connectors:Telco:Viettel:PartnerKey"] = "dev-viettel-partner-key";
            s["Connectors:Telco:Vnpt:BaseUrl"] = m + "/vnpt";
            s["Connectors:Telco:Vnpt:ClientId"] = "dev-gateway";
            s["Connectors:Telco:Vnpt:ClientSecret"] = "dev-vnpt-secret";
            s["Connectors:Telco:Mobifone:BaseUrl"] = m + "/mobifone";
            s["Connectors:Payment:Vnpay:PayUrl"] = m + "/vnpay/paymentv2/vpcpay.html";
            s["Connectors:Payment:Vnpay:ApiUrl"] = m + "/vnpay/merchant_webapi/api/transaction";
            s["Connectors:Payment:Vnpay:TmnCode"] = "DEVTMN01";
            s["Connectors:Payment:Vnpay:HashSecret"] = "DEVVNPAYHASHSECRETNOTFORPRODUCTION";
            s["Connectors:Payment:VietQr:BankBin"] = "970403";
            s["Connectors:Payment:VietQr:AccountNumber"] = "0011012345678";
            s["Connectors:Payment:VietQr:AccountName"] = "SO TAI CHINH TINH DEV";
            s["Connectors:Payment:BankNotices:Secret"] = "dev-bank-notice-secret";
            s["Connectors:NationalPortal:BaseUrl"] = m + "/portal";
            s["Connectors:NationalPortal:Username"] = "dev-province";
            s["Connectors:NationalPortal:Password"] = "dev-portal-password";
            s["Connectors:NationalPortal:AgencyCode"] = "000.00.00.H99";
            s["Connectors:Linked:Lgsp:BaseUrl"] = m + "/lgsp";
            s["Connectors:Linked:Lgsp:ClientId"] = "dev-gateway";
            s["Connectors:Linked:Lgsp:ClientSecret"] = "dev-lgsp-secret";
            s["Connectors:Linked:CivilRegistry:BaseUrl"] = m + "/hotich";
            s["Connectors:Linked:Residence:BaseUrl"] = m + "/cutru";
            s["Connectors:Linked:SocialInsurance:BaseUrl"] = m + "/bhxh";
            s["Connectors:Linked:SocialAffairs:BaseUrl"] = m + "/trocap";
        }

        foreach (var (k, v) in _options.Settings)
        {
            s[k] = v;
        }

        return s;
    }

    private static void AddClient(Dictionary<string, string?> s, int i, string name, string key, int perMinute, params string[] scopes)
    {
        s[$"Gateway:Clients:{i}:Name"] = name;
        s[$"Gateway:Clients:{i}:KeyHash"] = Sha256Hex(key);
        s[$"Gateway:Clients:{i}:PermitPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var j = 0; j < scopes.Length; j++)
        {
            s[$"Gateway:Clients:{i}:Scopes:{j}"] = scopes[j];
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_options.Environment);
        var settings = BaseSettings();
        // Host configuration is read before Program's builder runs, so the settings win over appsettings.json.
        foreach (var (k, v) in settings)
        {
            builder.UseSetting(k, v);
        }

        builder.ConfigureAppConfiguration((_, config) => config.AddInMemoryCollection(settings));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            HarnessReadyLifetime.Register(services, () => _harnessReady.Task);
            if (_options.Time is { } time)
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton(time);
            }

            _options.Services?.Invoke(services);
        });
    }

    /// <summary>
    /// Starts the host as the base class does, but lets Program's start go on only once the harness listens for its
    /// outcome (see <see cref="HarnessReadyLifetime"/>): a start that fails then always reports its own error.
    /// </summary>
    protected override IHost CreateHost(IHostBuilder builder)
    {
        var harnessReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harnessReady = harnessReady;
        if (_kestrel)
        {
            // A real server (Playwright tests) is started the framework's own way; those tests start valid settings.
            harnessReady.TrySetResult();
            return base.CreateHost(builder);
        }

        try
        {
            var host = builder.Build();
            // The harness's StartAsync asks the host for its lifetime events before its first await.
            var started = host.StartAsync();
            harnessReady.TrySetResult();
            started.GetAwaiter().GetResult();
            return host;
        }
        finally
        {
            harnessReady.TrySetResult();
        }
    }

    /// <summary>Serves the gateway on a real Kestrel server on <paramref name="port"/> (browser tests), as the base class does.</summary>
    public new void UseKestrel(int port)
    {
        _kestrel = true;
        base.UseKestrel(port);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
            {
                try
                {
                    File.Delete(f);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
