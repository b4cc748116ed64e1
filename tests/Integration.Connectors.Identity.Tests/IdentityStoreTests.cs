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
        using var provider = new FakeVneIdProvider();
        await provider.IssueAsync(login.Headers.Location!);
        var cookie = login.Headers.GetValues("Set-Cookie").Single().Split(';')[0];
        var callback = await SignInFlow.AtProviderAsync(login.Headers.Location!);
        using var request = new HttpRequestMessage(HttpMethod.Get, callback.PathAndQuery);
        request.Headers.Add("Cookie", cookie);
        var back = await secondBrowser.SendAsync(request);
        Assert.Equal(HttpStatusCode.Found, back.StatusCode);
        var ticket = SignInFlow.Query(back.Headers.Location!)["ticket"]!;

        // Redeemed through the first instance; the second no longer knows it.
        // Another client is refused on the second instance; the owner redeems through the first; the second no longer knows it.
        var otherClient = await SignInFlow.RedeemAsync(second.CreateClient(GatewayFactory.IdentityOnlyKey), ticket);
        var redeemed = await SignInFlow.RedeemAsync(first.CreateClient(GatewayFactory.DeskKey), ticket);
        var replayed = await SignInFlow.RedeemAsync(second.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(HttpStatusCode.NotFound, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        Assert.Equal(2, (int?)(await JsonAsync(redeemed))["identityLevel"]);
        Assert.Equal(HttpStatusCode.NotFound, replayed.StatusCode);
        var audit = await AuditRowsAsync(first);
        Assert.Contains(audit, r => r is { Action: "vneid_ticket_redeem", Client: "test-desk", Result: "redeemed", Purpose: Purpose });
        Assert.Contains(audit, r => r is { Action: "vneid_sign_in", Result: "signed_in_level_2" });
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SignIn_IdTokenForged_OnEachStore_NoTicket(bool postgres)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        var flow = new SignInFlow(factory);

        var back = await flow.SignInAsync(idToken: t => t with { Key = System.Security.Cryptography.RSA.Create(2048) });

        Assert.Equal(SignInFlow.ReturnUrl + "&error=sign_in_failed", back.AbsoluteUri);
        Assert.Equal(0, await TicketCountAsync(factory));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ticket_RedeemedConcurrently_ExactlyOneGetsTheProfile(bool postgres)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        var ticket = await new SignInFlow(factory).TicketAsync();
        var desk = factory.CreateClient(GatewayFactory.DeskKey);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => SignInFlow.RedeemAsync(desk, ticket)));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.NotFound));
    }
}
