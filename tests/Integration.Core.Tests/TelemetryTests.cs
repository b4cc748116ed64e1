using Integration.Core.Audit;
using Integration.Core.Caching;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Testing.Servers;

namespace Integration.Core.Tests;

public sealed class TelemetryTests : IAsyncLifetime
{
    public Task InitializeAsync() => TestServers.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TrackAsync_WritesMonitoringRowsWithOutcomeAttemptsAndCache()
    {
        await TestServers.WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/core-test/ok" }, response = new { status = 200, body = "ok" } });
        await TestServers.WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/core-test/down" }, response = new { status = 503 } });
        // The attempt counts below are about 503s; a generous attempt timeout keeps a slow first call on a busy
        // machine from adding a timed-out attempt of its own.
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Connectors:Test:Resilience:AttemptTimeout"] = "00:00:04",
            ["Connectors:Test:Resilience:TotalTimeout"] = "00:00:20",
        });
        var telemetry = host.Get<ConnectorTelemetry>();
        var cache = host.Get<ConnectorCache>();
        var policy = new CachePolicy("Test", "lookup", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));

        for (var i = 0; i < 2; i++)
        {
            await telemetry.TrackAsync("Test", "lookup", ct => cache.GetOrFetchAsync(policy, "001089012345", async c =>
            {
                var body = await host.Client.GetStringAsync("ok", c);
                return new CitizenAnswer("001089012345", "x", body);
            }, CacheTestJson.Default.CitizenAnswer, ct), default);
        }

        await Assert.ThrowsAsync<UpstreamUnavailableException>(() => telemetry.TrackAsync<string>("Test", "down", async ct =>
        {
            using var r = await host.Client.GetAsync("down", ct);
            Integration.Core.Http.UpstreamResponse.ThrowIfTransient(r, "wiremock");
            return "unreachable";
        }, default));
        await telemetry.FlushAsync();

        var rows = await telemetry.ReadRecentAsync(10);
        Assert.Equal(3, rows.Count);
        var down = Assert.Single(rows, r => r.Operation == "down");
        Assert.Equal(("unavailable", 503L, 4L, "upstream_unavailable"), (down.Outcome, down.HttpStatus!.Value, down.Attempts, down.ErrorCode));
        Assert.Equal(new[] { "hit", "miss" }, rows.Where(r => r.Operation == "lookup").Select(r => r.Cache).Order());
        Assert.All(rows, r => Assert.DoesNotContain("001089012345", r.ToString(), StringComparison.Ordinal));

        var health = host.Get<ConnectorHealthRegistry>().Connector("Test");
        Assert.Equal((1L, 1L, 0L), health.CacheCounts);
        var snapshot = health.Upstream("wiremock").Snapshot(TimeSpan.FromMinutes(5));
        Assert.Equal(5, snapshot.Requests);
        Assert.Equal(4, snapshot.Failures);
        Assert.Equal(3, snapshot.Retries);
        Assert.Equal(0.8, snapshot.WindowErrorRate, 3);
        Assert.NotNull(snapshot.P99Ms);
        Assert.Equal("HTTP 503", snapshot.LastError);
        Assert.NotNull(snapshot.LastSuccess);
    }

    [Fact]
    public async Task TrackAsync_OperationAnswersARefusalAsAResult_RowRejectedWithItsCode()
    {
        await using var host = await CoreHost.StartAsync();
        var telemetry = host.Get<ConnectorTelemetry>();

        var answer = await telemetry.TrackAsync("Test", "create", _ =>
        {
            ConnectorCall.Current!.Reject(ProblemCodes.IdempotencyKeyInFlight);
            return Task.FromResult("in flight");
        }, default);
        await telemetry.TrackAsync("Test", "create", _ => Task.FromResult("created"), default);
        await telemetry.FlushAsync();

        Assert.Equal("in flight", answer);
        var rows = await telemetry.ReadRecentAsync(10);
        Assert.Equal(
            new[] { ("rejected", (string?)ProblemCodes.IdempotencyKeyInFlight), ("success", null) },
            rows.OrderBy(r => r.Outcome).Select(r => (r.Outcome, r.ErrorCode)));
    }

    [Fact]
    public async Task AuditLog_RecordLookup_KeepsOnlyMaskAndKeyedHash()
    {
        await using var host = await CoreHost.StartAsync();
        var audit = host.Get<AuditLog>();

        audit.RecordLookup("citizen_verify", "Identity", "Thủ tục đăng ký khai sinh 001089012345", "001089012345", "001*******45", "match");
        audit.RecordLookup("citizen_verify", "Identity", "Thủ tục khác", "001089012345", "001*******45", "mismatch");
        await audit.FlushAsync();

        var rows = await audit.ReadRecentAsync(10);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.DoesNotContain("001089012345", r.ToString(), StringComparison.Ordinal));
        Assert.Single(rows.Select(r => r.SubjectHash).Distinct());
        Assert.All(rows, r => Assert.Equal("001*******45", r.SubjectMasked));
    }

    [Fact]
    public async Task TrackAsync_ManyCacheHitsInOneSecond_OneMonitoringRowCountingThem()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T09:00:00.100+07:00", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = await CoreHost.StartAsync(time: clock);
        var telemetry = host.Get<ConnectorTelemetry>();
        var cache = host.Get<ConnectorCache>();
        var policy = new CachePolicy("Test", "lookup", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        var fetches = 0;
        Task<CachedValue<CitizenAnswer>> Lookup() => telemetry.TrackAsync("Test", "lookup", ct => cache.GetOrFetchAsync(policy, "001089012345", _ =>
        {
            fetches++;
            return Task.FromResult(new CitizenAnswer("001089012345", "x", "ok"));
        }, CacheTestJson.Default.CitizenAnswer, ct), default);

        for (var i = 0; i < 6; i++)
        {
            await Lookup();
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        await Lookup(); // the next second: its own row
        await telemetry.FlushAsync();

        var rows = await telemetry.ReadRecentAsync(10);
        Assert.Equal(1, fetches);
        Assert.Equal(3, rows.Count);
        Assert.Equal((1L, "miss"), (rows.Single(r => r.Cache == "miss").Calls, "miss"));
        Assert.Equal(new[] { 1L, 5L }, rows.Where(r => r.Cache == "hit").Select(r => r.Calls).Order());
        Assert.All(rows.Where(r => r.Cache == "hit"), r => Assert.Equal(0, r.At % 1000));
    }
}
