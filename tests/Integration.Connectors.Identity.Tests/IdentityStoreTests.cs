using System.Net;
using Integration.Core.Caching;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary>
/// The durable parts (audit rows, pending sign-ins, tickets) on both store providers, and a sign-in
/// whose steps reach different gateway instances sharing one store.
/// </summary>
public sealed class IdentityStoreTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Verify_OnEachStore_AuditRowHasMaskedSubjectOnly(bool postgres)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);
        await VerifyAsync(client, Unknown);

        var rows = (await AuditRowsAsync(factory)).Where(r => r.Action == "citizen_verify").ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r is { SubjectMasked: "001*******45", Result: "match", Client: "test-desk", Purpose: Purpose });
        Assert.Contains(rows, r => r is { SubjectMasked: "036*******02", Result: "not_found" });
        await AssertNoIdNumberLeakedAsync(factory);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignIn_StepsOnDifferentInstances_TicketRedeemedOnceAcrossInstances(bool postgres)
    {
        using var first = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        using var second = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = first.StoreConnectionString });
        var firstBrowser = first.Server.CreateClient();
        var secondBrowser = second.Server.CreateClient();

        // Login on the first instance; the callback reaches the second, with the browser's cookie.
        var login = await firstBrowser.GetAsync(SignInFlow.LoginUrl(SignInFlow.ReturnUrl));
        Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var callback = await SignInFlow.AtProviderAsync(login.Headers.Location!);
        using var request = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        request.Headers.Add("Cookie", cookie);
        var back = await secondBrowser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, back.StatusCode);
        var ticket = SignInFlow.Query(back.Headers.Location!)["ticket"]!;

        // Redeemed through the first instance; the second no longer knows it.
        var redeemed = await first.CreateClient(GatewayFactory.DeskKey).GetAsync(SignInFlow.TicketsPath + ticket);
        var replayed = await second.CreateClient(GatewayFactory.DeskKey).GetAsync(SignInFlow.TicketsPath + ticket);

        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        Assert.Equal(2, (int?)(await JsonAsync(redeemed))["identityLevel"]);
        Assert.Equal(HttpStatusCode.NotFound, replayed.StatusCode);
        await AssertNoIdNumberLeakedAsync(first);
        await AssertNoIdNumberLeakedAsync(second);
    }

    [Fact]
    public async Task Verify_TwoInstancesSharingRedis_SecondServedFromSharedCacheWithNothingInClear()
    {
        await TestServers.Redis.FlushAllAsync();
        var first = new GatewayFactoryOptions { Redis = true };
        using var one = new GatewayFactory(first);
        using var two = new GatewayFactory(new GatewayFactoryOptions { Redis = true, HashKey = first.HashKey, EncryptionKey = first.EncryptionKey });
        // Redis connects in the background; a request never waits for it.
        await one.Services.GetRequiredService<RedisConnection>().ConnectedAsync;
        await two.Services.GetRequiredService<RedisConnection>().ConnectedAsync;

        var fromUpstream = await JsonAsync(await VerifyAsync(one.CreateClient(GatewayFactory.DeskKey), An));
        var fromShared = await JsonAsync(await VerifyAsync(two.CreateClient(GatewayFactory.DeskKey), An));

        Assert.Equal("upstream", (string?)fromUpstream["source"]);
        Assert.Equal("cache", (string?)fromShared["source"]);
        Assert.Equal("match", (string?)fromShared["result"]);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
        var keys = await TestServers.Redis.GetAllKeysAsync();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            Assert.DoesNotContain(An.IdNumber, key);
            var value = System.Text.Encoding.UTF8.GetString(await TestServers.Redis.GetValueAsync(key) ?? []);
            Assert.DoesNotContain(An.IdNumber, value);
            Assert.DoesNotContain("match", value);
        }
    }

    [Fact]
    public async Task Ticket_RedeemedConcurrently_ExactlyOneGetsTheProfile()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = true });
        var ticket = await new SignInFlow(factory).TicketAsync();
        var desk = factory.CreateClient(GatewayFactory.DeskKey);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => desk.GetAsync(SignInFlow.TicketsPath + ticket)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.NotFound));
    }
}
