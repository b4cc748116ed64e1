using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary>The LGSP bearer token C06 needs: cached until shortly before expiry, replaced once when C06 refuses it.</summary>
public sealed class LgspTokenTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Verify_SeveralCitizens_OneTokenForAllCalls()
    {
        using var factory = new GatewayFactory();
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        await Task.WhenAll(VerifyAsync(client, An), VerifyAsync(client, Binh), VerifyAsync(client, Unknown));
        await VerifyAsync(client, Dung);

        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));
        var calls = await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path);
        Assert.Equal(4, calls.Count);
        Assert.Single(calls.Select(c => c.Header("Authorization")).Distinct());
        var tokenRequest = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", LgspTokenPath));
        Assert.Contains("grant_type=client_credentials", tokenRequest.Body);
    }

    [Fact]
    public async Task Verify_TokenAboutToExpire_NewTokenFetched()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = clock });
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);
        clock.Advance(TimeSpan.FromSeconds(3600 - 61));
        await VerifyAsync(client, Binh);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));

        clock.Advance(TimeSpan.FromSeconds(2));
        await VerifyAsync(client, Unknown);

        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));
        var calls = await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path);
        Assert.Equal(2, calls.Select(c => c.Header("Authorization")).Distinct().Count());
    }

    [Fact]
    public async Task Verify_C06RefusesTokenOnce_NewTokenAndCallRepeatedOnce()
    {
        using var factory = new GatewayFactory();
        var client = factory.CreateClient(GatewayFactory.DeskKey);
        await VerifyAsync(client, Binh);
        await GatewayFactory.WireMock.AddMappingAsync(RevokedOnce());

        var response = await VerifyAsync(client, An);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("match", (string?)(await JsonAsync(response))["result"]);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));
        var calls = await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path);
        Assert.Equal(3, calls.Count);
        var first = calls[0].Header("Authorization");
        Assert.Equal(2, calls.Count(c => c.Header("Authorization") == first));
        Assert.Equal(2, calls.Select(c => c.Header("Authorization")).Distinct().Count());

        // The new token is kept for the next call.
        await VerifyAsync(client, Unknown);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));
    }

    [Fact]
    public async Task Verify_C06RefusesEveryToken_OneRefreshThen502()
    {
        using var factory = new GatewayFactory();
        var client = factory.CreateClient(GatewayFactory.DeskKey);
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = C06Path },
            ["response"] = new JsonObject { ["status"] = 401 },
        });

        var response = await VerifyAsync(client, An);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("upstream_error", (string?)problem["code"]);
        Assert.Contains("401", (string?)problem["detail"]);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", LgspTokenPath));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
    }

    [Fact]
    public async Task Verify_LgspRefusesCredentials_502NamingTheSettingAndNoC06Call()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Identity:Lgsp:ClientSecret"] = "wrong-secret" },
        });
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, An);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("upstream_error", (string?)problem["code"]);
        Assert.Equal("lgsp", (string?)problem["upstream"]);
        Assert.Contains("Connectors:Identity:Lgsp:ClientId", (string?)problem["detail"]);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("wrong-secret", StringComparison.Ordinal));
    }

    /// <summary>C06 refuses the first call that reaches it with 401, as if the token had been revoked, then answers normally.</summary>
    private static JsonObject RevokedOnce() => new()
    {
        ["priority"] = 1,
        ["scenarioName"] = "lgsp-token-revoked",
        ["requiredScenarioState"] = "Started",
        ["newScenarioState"] = "refused-once",
        ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = C06Path },
        ["response"] = new JsonObject { ["status"] = 401, ["headers"] = new JsonObject { ["WWW-Authenticate"] = "Bearer error=\"invalid_token\"" } },
    };
}
