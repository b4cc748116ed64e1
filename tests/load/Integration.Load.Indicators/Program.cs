using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Core.Indicators;
using Integration.Core.Store;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// 1. A month's dossier indicators grouped by agency over DOSSIERS facts (default 1,000,000) on PostgreSQL.
// 2. PUT /api/v1/portal/dossiers/{code}/status with the indicator feed and without it (Core's no-op feed),
//    in alternating rounds in this one process, so both see the same machine load.
// An executable gets no content-root attribute from Mvc.Testing: point WebApplicationFactory at the host's folder.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_INTEGRATION_GATEWAY", Path.Combine(RepositoryPaths.Root, "src", "Integration.Gateway"));
var dossiers = int.Parse(Environment.GetEnvironmentVariable("DOSSIERS") ?? "1000000", CultureInfo.InvariantCulture);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "6", CultureInfo.InvariantCulture);
var putsPerRound = int.Parse(Environment.GetEnvironmentVariable("PUTS") ?? "1000", CultureInfo.InvariantCulture);
var concurrency = int.Parse(Environment.GetEnvironmentVariable("CONCURRENCY") ?? "8", CultureInfo.InvariantCulture);
const int Agencies = 200;
var output = args.Length > 0 ? args[0] : Path.Combine(RepositoryPaths.Root, "tests", "load", "results", "INDICATORS.md");
var report = new StringBuilder();
var started = TimeProvider.System.GetUtcNow();
Console.WriteLine($"indicators benchmark: {dossiers:N0} dossiers, {rounds} rounds of {putsPerRound} PUTs at {concurrency} concurrent");

// ---- 1. Query over a million dossiers
using (var factory = Factory(TestServers.Postgres.CreateDatabaseAsync().GetAwaiter().GetResult(), feed: true))
{
    var store = factory.Services.GetRequiredService<GatewayStore>();
    var load = Stopwatch.StartNew();
    await using (var connection = await store.OpenAsync())
    {
        // Received uniformly over 2026 (Vietnam time), due 5 days later; 85 % finished 1-7 days after receipt
        // (those beyond 5 days late), 5 % closed without a result, 10 % open. One agency in 200, a third online.
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(7)).ToUnixTimeMilliseconds();
        var year = 365L * 24 * 3600 * 1000;
        await connection.ExecuteAsync(
            """
            INSERT INTO indicator_dossiers (dossier_code, version, status, agency_code, procedure_code, channel, received_at, due_at,
                changed_at, finished_at, closed_at, open_until, updated_at)
            SELECT 'B-' || i, 2, s.status, 'AG.' || (i % 200), '1.00' || (i % 50), 1 + (i % 3), r.received, r.received + 432000000,
                r.received + s.took, s.finished, s.closed, COALESCE(s.finished, s.closed, 9223372036854775807), r.received
            FROM generate_series(1, @n) AS i
            CROSS JOIN LATERAL (SELECT @start + (i::bigint * 7919 * 60000 + (i % 1440) * 60000) % @year AS received) r
            CROSS JOIN LATERAL (SELECT
                (CASE WHEN i % 20 < 17 THEN 9 WHEN i % 20 = 17 THEN 3 ELSE 4 END) AS status,
                (86400000 * (1 + i % 7)) AS took,
                (CASE WHEN i % 20 < 17 THEN r.received + 86400000 * (1 + i % 7) END) AS finished,
                (CASE WHEN i % 20 = 17 THEN r.received + 86400000 * (1 + i % 7) END) AS closed) s
            """,
            new { n = (long)dossiers, start, year },
            commandTimeout: 3600);
        await connection.ExecuteAsync("VACUUM ANALYZE indicator_dossiers", commandTimeout: 3600);
    }

    load.Stop();
    Console.WriteLine($"loaded {dossiers:N0} dossiers in {load.Elapsed.TotalSeconds:N0} s");
    using var reports = factory.CreateClient(ReportsKey);
    var path = "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=agency";
    var times = new List<double>();
    JsonObject? answer = null;
    for (var i = 0; i < 11; i++)
    {
        var sw = Stopwatch.StartNew();
        answer = await reports.GetFromJsonAsync<JsonObject>(path);
        sw.Stop();
        if (i > 0)
        {
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
    }

    var levelTimes = new List<double>();
    for (var i = 0; i < 5; i++)
    {
        var sw = Stopwatch.StartNew();
        await reports.GetFromJsonAsync<JsonObject>("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=level");
        levelTimes.Add(sw.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    var total = answer!["total"]!;
    report.AppendLine("## A month's indicators over 1,000,000 dossiers (PostgreSQL)").AppendLine()
        .AppendLine($"`GET {path}` through the whole gateway (in-process test server, API key, JSON), {dossiers:N0} dossiers over 2026 in {Agencies} agencies,")
        .AppendLine($"November: {total["received"]} received, {total["finished"]} finished, {total["overdueOpen"]} overdue-open. Loaded in {load.Elapsed.TotalSeconds:N0} s, then `VACUUM ANALYZE`.").AppendLine()
        .AppendLine("| figure | ms |").AppendLine("|---|---|")
        .AppendLine(CultureInfo.InvariantCulture, $"| median of 10 (after one warm-up) | {Median(times):N0} |")
        .AppendLine(CultureInfo.InvariantCulture, $"| fastest | {times[0]:N0} |")
        .AppendLine(CultureInfo.InvariantCulture, $"| slowest | {times[^1]:N0} |")
        .AppendLine(CultureInfo.InvariantCulture, $"| grouped by level, median of 5 | {Median(levelTimes):N0} |")
        .AppendLine()
        .AppendLine($"Goal: under 1 s. **{(times[^1] < 1000 ? "met" : Median(times) < 1000 ? "met by the median, not by the slowest run" : "missed")}**.").AppendLine();
    Console.WriteLine($"month by agency: median {Median(times):N0} ms, slowest {times[^1]:N0} ms");
}

// ---- 2. PUT .../status with and without the feed, alternating
using var withFeed = Factory(TestServers.Postgres.CreateDatabaseAsync().GetAwaiter().GetResult(), feed: true);
using var withoutFeed = Factory(TestServers.Postgres.CreateDatabaseAsync().GetAwaiter().GetResult(), feed: false);
using var deskWith = withFeed.CreateClient(GatewayFactory.DeskKey);
using var deskWithout = withoutFeed.CreateClient(GatewayFactory.DeskKey);
await PutRoundAsync(deskWith, "warm-with", 200);
await PutRoundAsync(deskWithout, "warm-without", 200);
var rateWith = new List<double>();
var rateWithout = new List<double>();
var latencyWith = new List<double>();
var latencyWithout = new List<double>();
var processCpuWith = new List<double>();
var processCpuWithout = new List<double>();
var serverCpuWith = new List<double>();
var serverCpuWithout = new List<double>();
for (var r = 0; r < rounds; r++)
{
    // Alternate which goes first, so neither always meets the same moment of the other engineers' builds.
    var order = r % 2 == 0 ? new[] { true, false } : [false, true];
    foreach (var feed in order)
    {
        var (rate, meanMs, processCpu, serverCpu) = await PutRoundAsync(feed ? deskWith : deskWithout, $"r{r}-{(feed ? "w" : "o")}", putsPerRound);
        (feed ? rateWith : rateWithout).Add(rate);
        (feed ? latencyWith : latencyWithout).Add(meanMs);
        (feed ? processCpuWith : processCpuWithout).Add(processCpu);
        (feed ? serverCpuWith : serverCpuWithout).Add(serverCpu);
        Console.WriteLine($"round {r} {(feed ? "with feed   " : "without feed")}: {rate:N0} PUT/s, mean {meanMs:N2} ms, CPU per PUT {processCpu:N2} ms process + {serverCpu:N2} ms PostgreSQL");
    }
}

long facts;
await using (var connection = await withFeed.Services.GetRequiredService<GatewayStore>().OpenAsync())
{
    facts = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM indicator_dossiers");
}

var slowdown = 1 - (Median(rateWith) / Median(rateWithout));
var extraCpu = Median(processCpuWith) + Median(serverCpuWith) - Median(processCpuWithout) - Median(serverCpuWithout);
string Rounds(List<double> values) => string.Join(", ", values.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)));
report.AppendLine("## PUT .../status with and without the indicator feed (PostgreSQL)").AppendLine()
    .AppendLine("Two gateways in this process, each on its own PostgreSQL database of the same server; one with the feed (the dossier's fact row")
    .AppendLine($"upserted in the outbox insert's transaction), one with Core's no-op feed. {rounds} alternating rounds of {putsPerRound} PUTs (each a new dossier")
    .AppendLine($"version) at {concurrency} concurrent callers; the gateway with the feed holds {facts:N0} fact rows afterwards. The portal is unreachable, so")
    .AppendLine("both outboxes retry in the background alike. CPU per PUT is the CPU time this process (client, both gateways) and the")
    .AppendLine("PostgreSQL server used during a round, divided by its PUTs: unlike throughput it hardly depends on what else the machine runs.").AppendLine()
    .AppendLine("| | PUT/s per round | median PUT/s | median mean latency (ms) | median CPU per PUT, process + PostgreSQL (ms) |").AppendLine("|---|---|---|---|---|")
    .AppendLine(CultureInfo.InvariantCulture, $"| without the feed | {Rounds(rateWithout)} | {Median(rateWithout):N0} | {Median(latencyWithout):N2} | {Median(processCpuWithout):N2} + {Median(serverCpuWithout):N2} |")
    .AppendLine(CultureInfo.InvariantCulture, $"| with the feed | {Rounds(rateWith)} | {Median(rateWith):N0} | {Median(latencyWith):N2} | {Median(processCpuWith):N2} + {Median(serverCpuWith):N2} |")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Slowdown of the median throughput: **{slowdown * 100:N1} %** (goal: at most 10 %, **{(slowdown <= 0.10 ? "met" : "missed")}**).")
    .AppendLine(CultureInfo.InvariantCulture, $"CPU the feed adds per PUT (difference of the medians): {extraCpu:N2} ms, {extraCpu / (Median(processCpuWithout) + Median(serverCpuWithout)) * 100:N1} % of a PUT without it.").AppendLine();

var loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[..3] : ["?", "?", "?"];
var header = new StringBuilder()
    .AppendLine("# Province indicators benchmark").AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Run {started:yyyy-MM-dd HH:mm} UTC by `tests/load/indicators` on {Environment.ProcessorCount} cores, PostgreSQL started by the test fixtures")
    .AppendLine("(fsync off, as in the tests). **The machine is shared**: other engineers' builds and tests ran at the same time, so absolute")
    .AppendLine("figures are pessimistic and vary between runs; the with/without comparison alternates rounds in one process for that reason.")
    .AppendLine(CultureInfo.InvariantCulture, $"Load average at the end of the run: {string.Join(" / ", loadAverage)} (1 / 5 / 15 min) on {Environment.ProcessorCount} cores.").AppendLine();
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, header.ToString() + report);
Console.WriteLine("wrote " + output);
return;

async Task<(double Rate, double MeanMs, double ProcessCpuMs, double ServerCpuMs)> PutRoundAsync(HttpClient desk, string prefix, int count)
{
    var next = -1;
    var latencies = new double[count];
    var now = TimeProvider.System.GetUtcNow().ToOffset(TimeSpan.FromHours(7));
    var processCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var serverCpu = PostgresCpuMs();
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            var body = new JsonObject
            {
                ["procedureCode"] = "1.001193",
                ["status"] = i % 4 == 0 ? 9 : 2,
                ["version"] = 1,
                ["changedAt"] = now.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
                ["receivedAt"] = now.AddDays(-2).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
                ["dueAt"] = now.AddDays(3).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
                ["agencyCode"] = "AG." + (i % Agencies),
                ["applicantName"] = "Nguyễn Văn An",
                ["applicantType"] = 1,
                ["channel"] = 1 + (i % 3),
            };
            var one = Stopwatch.StartNew();
            using var response = await desk.PutAsJsonAsync($"/api/v1/portal/dossiers/{prefix}-{i}/status", body);
            latencies[i] = one.Elapsed.TotalMilliseconds;
            if ((int)response.StatusCode != 202)
            {
                throw new InvalidOperationException($"PUT answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }));
    sw.Stop();
    return (count / sw.Elapsed.TotalSeconds, latencies.Average(),
        (Process.GetCurrentProcess().TotalProcessorTime - processCpu).TotalMilliseconds / count, (PostgresCpuMs() - serverCpu) / count);
}

// CPU time (ms) used so far by the PostgreSQL cluster the fixtures started: the postmaster, its finished children and its
// live backends, read from /proc. Zero when the server is not ours (TEST_POSTGRES_CONNECTION) or there is no /proc.
static double PostgresCpuMs()
{
    var pidFile = TestServers.Postgres.IsOwned ? Path.Combine(TestServers.Postgres.DataDirectory, "postmaster.pid") : null;
    if (pidFile is null || !File.Exists(pidFile))
    {
        return 0;
    }

    var postmaster = File.ReadLines(pidFile).First();
    const double MsPerTick = 10; // USER_HZ is 100 on Linux
    long ticks = 0;
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        string stat;
        try
        {
            stat = File.ReadAllText(Path.Combine(dir, "stat"));
        }
        catch (IOException)
        {
            continue; // the process ended
        }
        catch (UnauthorizedAccessException)
        {
            continue;
        }

        // After "pid (name) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), counted from 1.
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int n) => long.Parse(f[n - 3], CultureInfo.InvariantCulture);
        if (Path.GetFileName(dir) == postmaster)
        {
            ticks += Field(14) + Field(15) + Field(16) + Field(17);
        }
        else if (f[1] == postmaster)
        {
            ticks += Field(14) + Field(15);
        }
    }

    return ticks * MsPerTick;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static GatewayFactory Factory(string connectionString, bool feed)
{
    var dead = "http://127.0.0.1:9";
    var s = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Error",
        ["Gateway:Clients:0:PermitPerMinute"] = "1000000",
        ["Gateway:Clients:4:Name"] = "bench-reports",
        ["Gateway:Clients:4:KeyHash"] = GatewayFactory.Sha256Hex(ReportsKey),
        ["Gateway:Clients:4:Scopes:0"] = "reports",
        ["Gateway:Clients:4:PermitPerMinute"] = "10000",
        ["Connectors:NationalPortal:PullAtStart"] = "false",
        ["Connectors:Identity:Lgsp:BaseUrl"] = dead, ["Connectors:Identity:Lgsp:ClientId"] = "x", ["Connectors:Identity:Lgsp:ClientSecret"] = "x",
        ["Connectors:Identity:C06:BaseUrl"] = dead, ["Connectors:Identity:C06:ServiceCode"] = "x", ["Connectors:Identity:C06:IntegrationCode"] = "x",
        ["Connectors:Identity:VneId:BaseUrl"] = dead, ["Connectors:Identity:VneId:ClientId"] = "x", ["Connectors:Identity:VneId:ClientSecret"] = "x",
        ["Connectors:Identity:VneId:RedirectUri"] = "http://localhost/cb", ["Connectors:Identity:VneId:AllowedReturnUrls:0:Prefix"] = "http://localhost/", ["Connectors:Identity:VneId:AllowedReturnUrls:0:Client"] = "test-desk",
        ["Connectors:Linked:Lgsp:BaseUrl"] = dead, ["Connectors:Linked:Lgsp:ClientId"] = "x", ["Connectors:Linked:Lgsp:ClientSecret"] = "x",
        ["Connectors:Linked:CivilRegistry:BaseUrl"] = dead, ["Connectors:Linked:Residence:BaseUrl"] = dead,
        ["Connectors:Linked:SocialInsurance:BaseUrl"] = dead, ["Connectors:Linked:SocialAffairs:BaseUrl"] = dead,
        ["Connectors:Telco:Mnp:BaseUrl"] = dead, ["Connectors:Telco:Viettel:BaseUrl"] = dead, ["Connectors:Telco:Viettel:PartnerKey"] = "x",
        ["Connectors:Telco:Vnpt:BaseUrl"] = dead, ["Connectors:Telco:Vnpt:ClientId"] = "x", ["Connectors:Telco:Vnpt:ClientSecret"] = "x",
        ["Connectors:Telco:Mobifone:BaseUrl"] = dead,
        ["Connectors:Payment:Vnpay:PayUrl"] = dead + "/pay", ["Connectors:Payment:Vnpay:ApiUrl"] = dead + "/api", ["Connectors:Payment:Vnpay:TmnCode"] = "DEVTMN01",
        ["Connectors:Payment:Vnpay:HashSecret"] = "x", ["Connectors:Payment:VietQr:BankBin"] = "970403", ["Connectors:Payment:VietQr:AccountNumber"] = "0011012345678",
        ["Connectors:Payment:VietQr:AccountName"] = "X", ["Connectors:Payment:BankNotices:Secret"] = "x",
        ["Connectors:NationalPortal:BaseUrl"] = dead + "/portal", ["Connectors:NationalPortal:Username"] = "x",
        ["Connectors:NationalPortal:Password"] = "x", ["Connectors:NationalPortal:AgencyCode"] = "000.00.00.H99",
    };
    for (var i = 0; i < Agencies; i++)
    {
        s[$"Indicators:Agencies:{i}:Code"] = "AG." + i;
        s[$"Indicators:Agencies:{i}:Name"] = "Cơ quan " + i;
        s[$"Indicators:Agencies:{i}:Level"] = i < 20 ? "province" : i < 60 ? "district" : "commune";
        s[$"Indicators:Agencies:{i}:LocalityCode"] = (i % 40).ToString(CultureInfo.InvariantCulture);
    }

    return new GatewayFactory(new GatewayFactoryOptions
    {
        StoreConnectionString = connectionString,
        UseWireMock = false,
        Settings = s,
        Services = feed ? null : services => services.Replace(ServiceDescriptor.Singleton<IIndicatorFeed, NullIndicatorFeed>()),
    });
}

internal static partial class Program
{
    private const string ReportsKey = "bench-reports-key";
}
