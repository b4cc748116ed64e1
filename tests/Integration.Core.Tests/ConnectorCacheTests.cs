using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Integration.Core.Caching;
using Integration.Core.Problems;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Core.Tests;

public sealed record CitizenAnswer(string IdNumber, string FullName, string Result);

[JsonSerializable(typeof(CitizenAnswer))]
internal sealed partial class CacheTestJson : JsonSerializerContext;

/// <summary>The two-level cache with a real WireMock upstream and a real Redis.</summary>
public sealed class ConnectorCacheTests : IAsyncLifetime
{
    private const string IdNumber = "001089012345";
    private const string FullName = "Nguyễn Văn An";
    private static readonly CachePolicy Policy = new("Test", "citizen_check", TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));

    public async Task InitializeAsync()
    {
        await TestServers.WireMock.ResetAsync();
        await TestServers.WireMock.AddMappingAsync(new
        {
            request = new { method = "GET", urlPath = "/core-test/citizen" },
            response = new { status = 200, body = "match", fixedDelayMilliseconds = 200 },
        });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<CitizenAnswer> FetchFromWireMockAsync(CoreHost host)
    {
        var body = await host.Client.GetStringAsync("citizen");
        return new CitizenAnswer(IdNumber, FullName, body);
    }

    [Fact]
    public async Task GetOrFetch_HundredConcurrentMisses_MakeOneUpstreamCall()
    {
        // Generous timeouts: on a loaded machine a retry would be a second upstream call for another reason.
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Connectors:Test:Resilience:AttemptTimeout"] = "00:00:05",
            ["Connectors:Test:Resilience:TotalTimeout"] = "00:00:10",
        });
        var cache = host.Get<ConnectorCache>();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() =>
            cache.GetOrFetchAsync(Policy, IdNumber, _ => FetchFromWireMockAsync(host), CacheTestJson.Default.CitizenAnswer, CancellationToken.None))));

        Assert.All(results, r => Assert.Equal("match", r.Value.Result));
        Assert.Equal(1, await TestServers.WireMock.CountRequestsAsync("GET", "/core-test/citizen"));
        Assert.Single(results.Select(r => r.FetchedAt).Distinct());
    }

    [Fact]
    public async Task GetOrFetch_WithinTtl_IsServedFromCache_AfterTtl_FetchesAgain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CoreHost.StartAsync(time: time);
        var cache = host.Get<ConnectorCache>();
        var calls = 0;
        Task<CitizenAnswer> Fetch(CancellationToken _) => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v" + Interlocked.Increment(ref calls)));

        var first = await cache.GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        time.Advance(TimeSpan.FromMinutes(9));
        var second = await cache.GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        time.Advance(TimeSpan.FromMinutes(2));
        var third = await cache.GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);

        Assert.Equal(("v1", CacheSource.Upstream), (first.Value.Result, first.Source));
        Assert.Equal(("v1", CacheSource.Cache), (second.Value.Result, second.Source));
        Assert.Equal(("v2", CacheSource.Upstream), (third.Value.Result, third.Source));
    }

    [Fact]
    public async Task GetOrFetch_UpstreamFailsAfterTtl_ServesLastGoodValueMarkedStale()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CoreHost.StartAsync(time: time);
        var cache = host.Get<ConnectorCache>();
        await cache.GetOrFetchAsync(Policy, IdNumber, _ => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "match")), CacheTestJson.Default.CitizenAnswer, default);
        time.Advance(TimeSpan.FromHours(1));

        var stale = await cache.GetOrFetchAsync<CitizenAnswer>(Policy, IdNumber, _ => throw new UpstreamUnavailableException("c06"), CacheTestJson.Default.CitizenAnswer, default);

        Assert.True(stale.Stale);
        Assert.Equal("match", stale.Value.Result);
        time.Advance(TimeSpan.FromHours(24));
        await Assert.ThrowsAsync<UpstreamUnavailableException>(() =>
            cache.GetOrFetchAsync<CitizenAnswer>(Policy, IdNumber, _ => throw new UpstreamUnavailableException("c06"), CacheTestJson.Default.CitizenAnswer, default));
    }

    [Fact]
    public async Task GetOrFetch_PermanentUpstreamError_IsNotHiddenByStaleValue()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await CoreHost.StartAsync(time: time);
        var cache = host.Get<ConnectorCache>();
        await cache.GetOrFetchAsync(Policy, IdNumber, _ => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "match")), CacheTestJson.Default.CitizenAnswer, default);
        time.Advance(TimeSpan.FromHours(1));

        await Assert.ThrowsAsync<UpstreamErrorException>(() =>
            cache.GetOrFetchAsync<CitizenAnswer>(Policy, IdNumber, _ => throw new UpstreamErrorException("c06", "fault", transient: false), CacheTestJson.Default.CitizenAnswer, default));
    }

    [Fact]
    public async Task GetOrFetch_WithRedis_SecondInstanceReadsL2_AndNoPersonalDataInRedis()
    {
        var redis = TestServers.Redis;
        await redis.FlushAllAsync();
        var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var aesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var settings = new Dictionary<string, string?> { ["Redis:Configuration"] = redis.ConnectionString };
        await using var first = await CoreHost.StartAsync(settings, hashKey: hashKey, encryptionKey: aesKey);
        await using var second = await CoreHost.StartAsync(settings, hashKey: hashKey, encryptionKey: aesKey);
        await first.Get<RedisCacheStore>().ConnectedAsync;
        await second.Get<RedisCacheStore>().ConnectedAsync;

        var written = await first.Get<ConnectorCache>().GetOrFetchAsync(Policy, IdNumber + "|" + FullName, _ => FetchFromWireMockAsync(first), CacheTestJson.Default.CitizenAnswer, default);
        var read = await second.Get<ConnectorCache>().GetOrFetchAsync<CitizenAnswer>(Policy, IdNumber + "|" + FullName, _ => throw new InvalidOperationException("must come from L2"), CacheTestJson.Default.CitizenAnswer, default);

        Assert.Equal(CacheSource.Upstream, written.Source);
        Assert.Equal((CacheSource.Cache, "match"), (read.Source, read.Value.Result));
        var keys = await redis.GetAllKeysAsync();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            Assert.DoesNotContain(IdNumber, key, StringComparison.Ordinal);
            var value = await redis.GetValueAsync(key);
            var text = Encoding.UTF8.GetString(value!);
            Assert.DoesNotContain(IdNumber, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Nguy", text, StringComparison.Ordinal);
            Assert.DoesNotContain("match", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetOrFetch_RedisKilledMidTest_KeepsWorkingWarnsOnce_AndUsesRedisWhenBack()
    {
        var redis = TestServers.Redis;
        await redis.FlushAllAsync();
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.ConnectionString });
        await host.Get<RedisCacheStore>().ConnectedAsync;
        var cache = host.Get<ConnectorCache>();
        var noCache = Policy with { Ttl = TimeSpan.Zero };
        var calls = 0;
        Task<CitizenAnswer> Fetch(CancellationToken _) => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v" + Interlocked.Increment(ref calls)));

        // On a loaded machine one write may miss the 250 ms command budget: that is the design (Redis
        // never slows a request), so wait until a write has landed before killing Redis.
        await Eventually.TrueAsync(
            async () =>
            {
                await cache.GetOrFetchAsync(noCache, "before", Fetch, CacheTestJson.Default.CitizenAnswer, default);
                return (await redis.GetAllKeysAsync()).Count > 0;
            },
            "the cache writes to Redis before the kill");

        int Warnings() => host.Logs.Lines.Count(l => l.Contains("Redis is unavailable", StringComparison.Ordinal));
        var warningsBefore = Warnings();
        await redis.KillAsync();
        for (var i = 0; i < 20; i++)
        {
            var r = await cache.GetOrFetchAsync(noCache, "during" + i, Fetch, CacheTestJson.Default.CitizenAnswer, default);
            Assert.Equal(CacheSource.Upstream, r.Source);
        }

        // Once per outage, not per request (0 more when a slow write had already flagged Redis down).
        Assert.InRange(Warnings() - warningsBefore, 0, 1);
        Assert.True(Warnings() >= 1, "the outage is logged");

        await redis.StartAgainAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                await cache.GetOrFetchAsync(noCache, "after", Fetch, CacheTestJson.Default.CitizenAnswer, default);
                return (await redis.GetAllKeysAsync()).Count > 0;
            },
            "the cache writes to Redis again after it restarts",
            TimeSpan.FromSeconds(30));
        Assert.Contains(host.Logs.Lines, l => l.Contains("Redis is back", StringComparison.Ordinal));
    }
}
