using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Integration.Core.Caching;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>Redis, the shared L2 cache, killed (SIGKILL) and started again while two gateways answer a stream of checks.</summary>
public sealed class RedisChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Checks_WhileRedisIsKilledAndRestarted_AllAnsweredAndL2UsedAgain()
    {
        using var redis = RedisServer.StartNew();
        var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var encryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        GatewayFactory NewGateway() => new(new GatewayFactoryOptions
        {
            HashKey = hashKey,
            EncryptionKey = encryptionKey,
            Settings =
            {
                ["Redis:Configuration"] = redis.ConnectionString,
                ["Gateway:Clients:0:PermitPerMinute"] = "1000000",
                ["Logging:LogLevel:Default"] = "Error",
            },
        });
        using var a = NewGateway();
        using var b = NewGateway();
        using var clientA = a.CreateClient(GatewayFactory.DeskKey);
        using var clientB = b.CreateClient(GatewayFactory.DeskKey);
        var cacheA = a.Services.GetRequiredService<RedisConnection>();
        var cacheB = b.Services.GetRequiredService<RedisConnection>();
        var offset = RandomNumberGenerator.GetInt32(0, 300_000);

        // A third of the calls are answered from the cache (citizen An), the others are misses that reach the mocks.
        await using var load = Load.Start(6, async (n, _) =>
        {
            var client = n % 2 == 0 ? clientA : clientB;
            var other = Api.Unknown(offset + (int)n);
            using var response = (n % 3) switch
            {
                0 => await Api.VerifyAsync(client, Api.An),
                1 => await Api.VerifyAsync(client, other),
                _ => await Api.CheckSubscriberAsync(client, Api.ViettelNumber, other.IdNumber),
            };
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"HTTP {(int)response.StatusCode}: {Api.Shorten(await response.Content.ReadAsStringAsync())}");
            return true;
        });

        await load.WaitForCompletedAsync(0, 60, "60 checks with Redis up");
        Assert.NotEmpty(await redis.GetAllKeysAsync());

        var killedAt = load.Completed;
        await redis.KillAsync();
        await Eventually.TrueAsync(() => cacheA.Down && cacheB.Down, "both gateways notice that Redis is gone");
        await load.WaitForCompletedAsync(killedAt, 150, "150 checks while Redis is down");
        var restartedAt = load.Completed;

        await redis.StartAgainAsync();
        var sinceRestart = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => !cacheA.Down && !cacheB.Down && (await redis.GetAllKeysAsync()).Count > 0,
            "both gateways write to the restarted Redis", TimeSpan.FromSeconds(60));
        var backAfter = sinceRestart.Elapsed;
        await load.WaitForCompletedAsync(load.Completed, 60, "60 checks after Redis is back");
        await load.StopAsync();

        output.WriteLine($"{load.Completed} checks: {killedAt} before the kill, {restartedAt - killedAt} while Redis was down, " +
            $"{load.Completed - restartedAt} after its restart; L2 written again {backAfter.TotalMilliseconds:0} ms after the restart; " +
            $"unexpected answers: {load.Unexpected.Count}");
        foreach (var unexpected in load.Unexpected.Take(5))
        {
            output.WriteLine(unexpected);
        }

        Assert.Empty(load.Unexpected);
        Assert.Equal(load.Completed, load.Succeeded);

        // L2 is shared again: what A fetched, B serves without asking C06. Each gateway skips Redis for
        // Cache:RedisRetryAfter after its last Redis error, so the first citizens after the restart may still
        // miss; within a few seconds a citizen A fetched must be served by B from the cache.
        var attempts = 0;
        Citizen? shared = null;
        await Eventually.TrueAsync(async () =>
        {
            var citizen = Api.Unknown(offset + 600_000 + attempts++);
            using var first = await Api.VerifyAsync(clientA, citizen);
            using var second = await Api.VerifyAsync(clientB, citizen);
            Assert.Equal("upstream", (await Api.JsonAsync(first)).Str("source"));
            if ((await Api.JsonAsync(second)).Str("source") != "cache")
            {
                return false;
            }

            shared = citizen;
            return true;
        }, "a citizen fetched by A is served by B from the shared cache", TimeSpan.FromSeconds(30));
        output.WriteLine($"L2 shared again at attempt {attempts}");
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync(new JsonObject
        {
            ["method"] = "POST",
            ["urlPath"] = Api.C06Path,
            ["bodyPatterns"] = new JsonArray(new JsonObject { ["contains"] = shared!.IdNumber }),
        }));
    }
}
