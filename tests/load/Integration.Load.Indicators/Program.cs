using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Core.Indicators;
using Integration.Core.Outbox;
using Integration.Core.Store;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

// 1. A month's dossier indicators grouped by agency over DOSSIERS facts (default 1,000,000) on PostgreSQL.
// 2. PUT /api/v1/portal/dossiers/{code}/status with the indicator feed and without it (Core's no-op feed),
//    two gateways in this one process taking PUTs at the same time, so both see the same machine load.
// An executable gets no content-root attribute from Mvc.Testing: point WebApplicationFactory at the host's folder.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_INTEGRATION_GATEWAY", Path.Combine(RepositoryPaths.Root, "src", "Integration.Gateway"));
var dossiers = int.Parse(Environment.GetEnvironmentVariable("DOSSIERS") ?? "1000000", CultureInfo.InvariantCulture);
var rounds = int.Parse(Environment.GetEnvironmentVariable("ROUNDS") ?? "10", CultureInfo.InvariantCulture);
var roundLength = TimeSpan.FromSeconds(int.Parse(Environment.GetEnvironmentVariable("SECONDS") ?? "5", CultureInfo.InvariantCulture));
var concurrency = int.Parse(Environment.GetEnvironmentVariable("CONCURRENCY") ?? "8", CultureInfo.InvariantCulture);
const int Agencies = 200;
var output = args.Length > 0 ? args[0] : Path.Combine(RepositoryPaths.Root, "tests", "load", "results", "INDICATORS.md");
var report = new StringBuilder();
var started = TimeProvider.System.GetUtcNow();
Console.WriteLine($"indicators benchmark: {dossiers:N0} dossiers, {rounds} rounds of {roundLength.TotalSeconds:N0} s at {concurrency} concurrent");

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

// ---- 2. PUT .../status with and without the feed, at the same time
// Each round, both gateways take PUTs for the same seconds, half the callers each: whatever else the machine runs
// then weighs on both alike. Taking turns instead let identical gateways differ by 40 % under a load average of 20.
var control = Environment.GetEnvironmentVariable("CONTROL") == "1";
var withDatabase = await TestServers.Postgres.CreateDatabaseAsync();
var withoutDatabase = await TestServers.Postgres.CreateDatabaseAsync();
using var withFeed = Factory(withDatabase, feed: !control);
using var withoutFeed = Factory(withoutDatabase, feed: false);
using var deskWith = withFeed.CreateClient(GatewayFactory.DeskKey);
using var deskWithout = withoutFeed.CreateClient(GatewayFactory.DeskKey);
var callers = Math.Max(1, concurrency / 2);
await Task.WhenAll(PutForAsync(deskWith, "warm-w", callers, TimeSpan.FromSeconds(3), withDatabase), PutForAsync(deskWithout, "warm-o", callers, TimeSpan.FromSeconds(3), withoutDatabase));
var withRounds = new List<PutRound>();
var withoutRounds = new List<PutRound>();
for (var r = 0; r < rounds; r++)
{
    var both = await Task.WhenAll(
        PutForAsync(deskWith, $"r{r}-w", callers, roundLength, withDatabase),
        PutForAsync(deskWithout, $"r{r}-o", callers, roundLength, withoutDatabase));
    withRounds.Add(both[0]);
    withoutRounds.Add(both[1]);
    Console.WriteLine($"round {r}: {both[0].Rate:N0} vs {both[1].Rate:N0} PUT/s ({(1 - (both[0].Rate / both[1].Rate)) * 100:N1} % slower), " +
        $"mean {both[0].MeanMs:N2} vs {both[1].MeanMs:N2} ms, PostgreSQL CPU per PUT {both[0].ServerCpuMs:N3} vs {both[1].ServerCpuMs:N3} ms");
}

long facts;
await using (var connection = await withFeed.Services.GetRequiredService<GatewayStore>().OpenAsync())
{
    facts = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM indicator_dossiers");
}

var slowdowns = withRounds.Zip(withoutRounds, (w, o) => 1 - (w.Rate / o.Rate)).ToList();
var slowdown = Median(slowdowns);
var overall = 1 - (withRounds.Sum(x => x.Puts) / (double)withoutRounds.Sum(x => x.Puts));
var serverCpuWith = Median(withRounds.Select(x => x.ServerCpuMs).ToList());
var serverCpuWithout = Median(withoutRounds.Select(x => x.ServerCpuMs).ToList());
string Rates(List<PutRound> values) => string.Join(", ", values.Select(x => x.Rate.ToString("N0", CultureInfo.InvariantCulture)));
var first = control ? "the first gateway, also without the feed (control run: `CONTROL=1`)" : "with the feed";
report.AppendLine("## PUT .../status with and without the indicator feed (PostgreSQL)").AppendLine()
    .AppendLine("Two gateways in this process, each on its own PostgreSQL database of the same server: one with the feed (the dossier's fact row")
    .AppendLine("upserted in the outbox's transaction and round trip), one with Core's no-op feed. Each round, both take PUTs (each a new dossier")
    .AppendLine($"version) at the same time for {roundLength.TotalSeconds:N0} s, {callers} callers each, so that what else the machine runs weighs on both alike;")
    .AppendLine($"{rounds} rounds. The gateway with the feed holds {facts:N0} fact rows afterwards. Neither sends its outbox (no outbox handler),")
    .AppendLine("so what is measured is the PUT itself: validation, the outbox insert and, in one, the fact. PostgreSQL CPU per PUT is the CPU")
    .AppendLine("time of the server processes serving each gateway's database in a round, divided by its PUTs.").AppendLine()
    .AppendLine("| | PUT/s per round | median PUT/s | median mean latency (ms) | median PostgreSQL CPU per PUT (ms) |").AppendLine("|---|---|---|---|---|")
    .AppendLine(CultureInfo.InvariantCulture, $"| {first} | {Rates(withRounds)} | {Median(withRounds.Select(x => x.Rate).ToList()):N0} | {Median(withRounds.Select(x => x.MeanMs).ToList()):N2} | {serverCpuWith:N3} |")
    .AppendLine(CultureInfo.InvariantCulture, $"| without the feed | {Rates(withoutRounds)} | {Median(withoutRounds.Select(x => x.Rate).ToList()):N0} | {Median(withoutRounds.Select(x => x.MeanMs).ToList()):N2} | {serverCpuWithout:N3} |")
    .AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Slowdown per round: {string.Join(", ", slowdowns.Select(x => (x * 100).ToString("N1", CultureInfo.InvariantCulture)))} %.")
    .AppendLine(CultureInfo.InvariantCulture, $"Median slowdown: **{slowdown * 100:N1} %**; over all rounds' PUTs: {overall * 100:N1} % (goal: at most 10 %, **{(slowdown <= 0.10 ? "met" : "missed")}**).")
    .AppendLine(CultureInfo.InvariantCulture, $"PostgreSQL CPU the feed adds per PUT: {serverCpuWith - serverCpuWithout:N3} ms.").AppendLine();

var loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[..3] : ["?", "?", "?"];
var header = new StringBuilder()
    .AppendLine("# Province indicators benchmark").AppendLine()
    .AppendLine(CultureInfo.InvariantCulture, $"Run {started:yyyy-MM-dd HH:mm} UTC by `tests/load/indicators` on {Environment.ProcessorCount} cores, PostgreSQL started by the test fixtures")
    .AppendLine("(fsync off, as in the tests). **The machine is shared**: other engineers' builds and tests ran at the same time, so absolute")
    .AppendLine("figures are pessimistic and vary between runs; the with/without comparison runs both gateways at the same time for that reason.")
    .AppendLine(CultureInfo.InvariantCulture, $"Load average at the end of the run: {string.Join(" / ", loadAverage)} (1 / 5 / 15 min) on {Environment.ProcessorCount} cores.").AppendLine();
Directory.CreateDirectory(Path.GetDirectoryName(output)!);
await File.WriteAllTextAsync(output, header.ToString() + report);
Console.WriteLine("wrote " + output);
return;

// Callers PUT new dossier versions until the time is up; the round's rate counts the PUTs answered within it.
async Task<PutRound> PutForAsync(HttpClient desk, string prefix, int callerCount, TimeSpan length, string database)
{
    var next = -1;
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var now = TimeProvider.System.GetUtcNow().ToOffset(TimeSpan.FromHours(7));
    var serverCpu = PostgresCpuMs(database);
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, callerCount).Select(async _ =>
    {
        while (sw.Elapsed < length)
        {
            var i = Interlocked.Increment(ref next);
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
            latencies.Add(one.Elapsed.TotalMilliseconds);
            if ((int)response.StatusCode != 202)
            {
                throw new InvalidOperationException($"PUT answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }
    }));
    sw.Stop();
    if (latencies.IsEmpty)
    {
        throw new InvalidOperationException($"No PUT was answered within {length.TotalSeconds:N0} s.");
    }

    return new PutRound(latencies.Count, latencies.Count / sw.Elapsed.TotalSeconds, latencies.Average(), (PostgresCpuMs(database) - serverCpu) / latencies.Count);
}

// CPU time (ms) used so far by the server processes of the fixtures' PostgreSQL cluster that serve the connection string's
// database, read from /proc. Zero when the server is not ours (TEST_POSTGRES_CONNECTION) or there is no /proc.
static double PostgresCpuMs(string connectionString)
{
    var pidFile = TestServers.Postgres.IsOwned ? Path.Combine(TestServers.Postgres.DataDirectory, "postmaster.pid") : null;
    if (pidFile is null || !File.Exists(pidFile))
    {
        return 0;
    }

    var postmaster = File.ReadLines(pidFile).First();
    var database = (string)new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }["Database"];
    const double MsPerTick = 10; // USER_HZ is 100 on Linux
    long ticks = 0;
    foreach (var dir in Directory.EnumerateDirectories("/proc"))
    {
        string stat, command;
        try
        {
            stat = File.ReadAllText(Path.Combine(dir, "stat"));
            command = File.ReadAllText(Path.Combine(dir, "cmdline"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            continue; // the process ended
        }

        // After "pid (name) ": state ppid ... utime(14) stime(15), counted from 1. A backend's command line reads
        // "postgres: <user> <database> <client> <state>".
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        if (f[1] == postmaster && command.Split(' ', '\0') is [_, _, var db, ..] && db == database)
        {
            ticks += long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
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
        Services = services =>
        {
            // No delivery: with the portal unreachable, every claim scanned a backlog that grew all run long, and its
            // cost (and plan, after autovacuum analysed one database and not yet the other) moved from round to round.
            // PUT .../status is measured on its own: the outbox insert and the fact, not the sending.
            services.RemoveAll<IOutboxHandler>();
            if (!feed)
            {
                services.Replace(ServiceDescriptor.Singleton<IIndicatorFeed, NullIndicatorFeed>());
            }
        },
    });
}

internal static partial class Program
{
    private const string ReportsKey = "bench-reports-key";
}

/// <summary>One gateway's share of a round.</summary>
internal sealed record PutRound(int Puts, double Rate, double MeanMs, double ServerCpuMs);
