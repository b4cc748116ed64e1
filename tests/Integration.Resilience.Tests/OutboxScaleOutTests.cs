using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Integration.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// The dossier-status outbox with two gateway processes on one PostgreSQL database: a backlog drained by both is
/// delivered to the portal once per version, in version order per dossier; one of them killed with SIGKILL mid-drain
/// loses nothing, and the only repeats are the versions it was sending when it died (which the portal recognises by
/// their version number).
/// </summary>
public sealed class OutboxScaleOutTests(OutboxScaleOutTests.Pair pair, ITestOutputHelper output) : IClassFixture<OutboxScaleOutTests.Pair>, IAsyncLifetime
{
    private const string IntegrationPath = "/portal/integration";
    private const int MaxParallelism = 2;

    /// <summary>The pair for these tests: PostgreSQL only, a fast outbox, no catalogue or statistics pulls.</summary>
    public sealed class Pair : GatewayPair
    {
        protected override GatewayFactoryOptions Options(string database) => new GatewayFactoryOptions
        {
            StoreConnectionString = database,
            Settings =
            {
                ["Outbox:PollInterval"] = "00:00:00.200",
                ["Outbox:RetryBaseDelay"] = "00:00:00.200",
                ["Outbox:RetryMaxDelay"] = "00:00:01",
                ["Outbox:MaxAttempts"] = "1000",
                ["Outbox:LeaseDuration"] = "00:00:03",
                ["Outbox:BatchSize"] = "3",
                ["Outbox:MaxParallelism"] = MaxParallelism.ToString(CultureInfo.InvariantCulture),
                ["Connectors:NationalPortal:PullAtStart"] = "false",
                ["Connectors:NationalPortal:CatalogueSchedule"] = "0 0 0 1 1 ? 2099",
                ["Connectors:NationalPortal:AccountStatsSchedule"] = "0 0 0 1 1 ? 2099",
                ["Gateway:Controls:SyncInterval"] = "00:00:00.200",
            },
        };
    }

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Backlog_DrainedByBothInstances_EachVersionOnceInOrderPerDossier()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var b = pair.B.CreateClient(GatewayFactory.DeskKey);
        var dossiers = Dossiers("DRAIN", 12);
        const int versions = 4;
        await SlowPortalAsync(100); // long enough a drain that the second instance joins it whatever the machine's load

        // The backlog builds up while the portal connector is isolated (no call leaves, nothing is lost) …
        await IsolatePortalAsync();
        try
        {
            await EnqueueAsync(a, b, dossiers, versions);
            await GatewayFactory.WireMock.ResetRequestsAsync();
        }
        finally
        {
            // … and both instances drain it once the operator closes the connector again.
            await ClosePortalAsync();
        }

        await Eventually.TrueAsync(async () => await DeliveredAsync(dossiers) == dossiers.Count * versions, "the backlog is delivered", TimeSpan.FromSeconds(60));

        var calls = await IntegrationCallsAsync(dossiers);
        Assert.Equal(dossiers.Count * versions, calls.Count);
        foreach (var dossier in dossiers)
        {
            var sent = calls.Where(c => c.Dossier == dossier).ToList();
            Assert.Equal(Enumerable.Range(1, versions).Select(v => (long)v), sent.Select(c => c.Version));
            Assert.Equal(["False", "True", "True", "True"], sent.Select(c => c.IsUpdating));
        }

        var bySession = calls.GroupBy(c => c.Session).Select(g => g.Count()).ToList();
        output.WriteLine($"{dossiers.Count} dossiers × {versions} versions enqueued through both instances while isolated; " +
            $"delivered {calls.Count} calls, each version once and in order; per instance (portal session): {string.Join(" + ", bySession)}");
        Assert.Equal(2, bySession.Count); // both instances delivered part of the backlog
    }

    [Fact]
    public async Task Sigkill_OneInstanceMidDrain_NothingLostOnlyItsInFlightVersionsSentAgain()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var b = pair.B.CreateClient(GatewayFactory.DeskKey);
        var dossiers = Dossiers("KILL", 10);
        const int versions = 3;
        // The portal takes 300 ms per call, so the instance always has calls in flight when it dies.
        await SlowPortalAsync(300);

        await IsolatePortalAsync();
        try
        {
            await EnqueueAsync(a, b, dossiers, versions);
            await GatewayFactory.WireMock.ResetRequestsAsync();
        }
        finally
        {
            await ClosePortalAsync();
        }

        await Eventually.TrueAsync(async () => await GatewayFactory.WireMock.CountRequestsAsync("POST", IntegrationPath) >= 8, "the drain is under way", TimeSpan.FromSeconds(30));
        pair.A.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        var before = await IntegrationCallsAsync(dossiers);

        await Eventually.TrueAsync(async () => await DeliveredAsync(dossiers) == dossiers.Count * versions,
            "B delivers everything, including what A held when it died (once its lease ends)", TimeSpan.FromSeconds(60));
        await pair.A.StartAsync();

        var calls = await IntegrationCallsAsync(dossiers);
        var sessionsAfterKill = calls.Where(c => c.At > killedAt).Select(c => c.Session).ToHashSet();
        var repeats = calls.GroupBy(c => (c.Dossier, c.Version)).Where(g => g.Count() > 1).ToList();
        foreach (var dossier in dossiers)
        {
            var sent = calls.Where(c => c.Dossier == dossier).Select(c => c.Version).ToList();
            Assert.Equal(Enumerable.Range(1, versions).Select(v => (long)v), sent.Distinct());
            Assert.True(sent.SequenceEqual(sent.Order()), $"{dossier}: versions sent out of order: {string.Join(",", sent)}");
        }

        // A repeat is a version the killed instance was sending (its call reached the portal, its "delivered" never
        // reached the store), sent once more after the kill with the same version number, which the portal treats
        // as a duplicate. Nothing else is ever sent twice.
        foreach (var repeat in repeats)
        {
            var (first, second) = (repeat.First(), repeat.Last());
            Assert.Equal(2, repeat.Count());
            Assert.True(first.At <= killedAt && second.At > killedAt, $"{repeat.Key} sent at {first.At:O} and {second.At:O}, killed at {killedAt:O}");
            Assert.DoesNotContain(first.Session, sessionsAfterKill); // the first send was the dead instance's
        }

        Assert.InRange(repeats.Count, 0, MaxParallelism);
        await using var connection = new NpgsqlConnection(pair.Database);
        var rows = await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox_items WHERE item_key = ANY(@keys) AND state = 'delivered'", new { keys = dossiers.ToArray() });
        Assert.Equal(dossiers.Count * versions, rows);
        output.WriteLine($"{dossiers.Count * versions} items; A killed after {before.Count} portal calls; {calls.Count} calls in all: " +
            $"every version delivered once in the outbox, in order per dossier; {repeats.Count} version(s) A was sending when it died sent again by B");
    }

    /// <summary>The portal answers every dossier sync with success after <paramref name="delayMs"/>.</summary>
    private static Task SlowPortalAsync(int delayMs) =>
        GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = IntegrationPath },
            ["response"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["Content-Type"] = "application/json; charset=utf-8" },
                ["jsonBody"] = new JsonObject { ["error_code"] = "00", ["message"] = "Đồng bộ thành công" },
                ["fixedDelayMilliseconds"] = delayMs,
            },
        });

    private static List<string> Dossiers(string tag, int count)
    {
        var run = Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        return Enumerable.Range(1, count).Select(i => $"000.21.09.H99-{tag}{run}-{i:D4}").ToList();
    }

    /// <summary>
    /// Version 1 of every dossier, then version 2, …, alternately through A and B; every PUT is accepted (202 queued).
    /// In order: a version that arrives while a higher one is already being sent is skipped by design.
    /// </summary>
    private static async Task EnqueueAsync(HttpClient a, HttpClient b, IReadOnlyList<string> dossiers, int versions)
    {
        var now = DateTimeOffset.UtcNow;
        var n = 0;
        foreach (var version in Enumerable.Range(1, versions))
        {
            foreach (var dossier in dossiers)
            {
                var client = n++ % 2 == 0 ? a : b;
                using var response = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{dossier}/status", Change(version, now));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"PUT {dossier} v{version}: {(int)response.StatusCode} {body}");
                Assert.Equal("queued", JsonNode.Parse(body).Str("state"));
            }
        }
    }

    private static Dictionary<string, object?> Change(long version, DateTimeOffset now) => new()
    {
        ["procedureCode"] = "1.900101",
        ["procedureName"] = "Đăng ký khai sinh",
        ["status"] = (int)Math.Min(version + 1, 10),
        ["version"] = version,
        ["changedAt"] = Iso(now),
        ["receivedAt"] = Iso(now.AddDays(-2)),
        ["dueAt"] = Iso(now.AddDays(3)),
        ["agencyCode"] = "000.21.09.H99",
        ["applicantName"] = "Nguyễn Thị Thử",
        ["applicantType"] = 1,
        ["channel"] = 2,
    };

    private static string Iso(DateTimeOffset value) => value.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private async Task IsolatePortalAsync()
    {
        using var ops = pair.A.CreateClient(GatewayFactory.OpsKey);
        using var isolated = await ops.PostAsync("/api/v1/connectors/NationalPortal/isolate", null);
        Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);
        using var opsB = pair.B.CreateClient(GatewayFactory.OpsKey);
        await Eventually.TrueAsync(async () => await Api.CircuitAsync(opsB, "NationalPortal", "portal") == "isolated", "B applies the isolation");
    }

    private async Task ClosePortalAsync()
    {
        using var ops = pair.B.CreateClient(GatewayFactory.OpsKey);
        using var closed = await ops.PostAsync("/api/v1/connectors/NationalPortal/close", null);
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
    }

    private async Task<long> DeliveredAsync(IReadOnlyList<string> dossiers)
    {
        await using var connection = new NpgsqlConnection(pair.Database);
        return await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM outbox_items WHERE item_key = ANY(@keys) AND state = 'delivered'", new { keys = dossiers.ToArray() });
    }

    /// <summary>The DongBoHoSoMC calls that reached the mock portal, in arrival order.</summary>
    private static async Task<List<PortalCall>> IntegrationCallsAsync(IReadOnlyList<string> dossiers)
    {
        var requests = await GatewayFactory.WireMock.GetAllRequestsAsync();
        return requests.Where(r => r.Method == "POST" && r.Url.StartsWith(IntegrationPath, StringComparison.Ordinal)).Select(r =>
        {
            var body = r.BodyAsJson()!;
            var data = body["data"]!.AsArray()[0]!;
            return new PortalCall(
                body.Str("session")!,
                body.Str("isUpdating"),
                data.Str("MaHoSo")!,
                long.Parse(data.Str("PhienBan")!, CultureInfo.InvariantCulture),
                r.LoggedDate);
        }).Where(c => dossiers.Contains(c.Dossier)).ToList();
    }

    private sealed record PortalCall(string Session, string? IsUpdating, string Dossier, long Version, DateTimeOffset At);
}
