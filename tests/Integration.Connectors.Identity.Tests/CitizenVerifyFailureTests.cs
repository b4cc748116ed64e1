using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary>What the desk sees when C06 fails: problem codes, retries, and stale answers from the cache.</summary>
public sealed class CitizenVerifyFailureTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Verify_C06Answers99_502UpstreamErrorAndNothingCached()
    {
        using var factory = new GatewayFactory();
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        var first = await VerifyAsync(client, SystemError);
        var second = await VerifyAsync(client, SystemError);

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        var problem = await JsonAsync(first);
        Assert.Equal("upstream_error", (string?)problem["code"]);
        Assert.Equal("c06", (string?)problem["upstream"]);
        Assert.Contains("99", (string?)problem["detail"]);
        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
    }

    [Fact]
    public async Task Verify_C06AnswersSoapClientFault_502UpstreamErrorWithoutRetry()
    {
        using var factory = new GatewayFactory();
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, Fault);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("upstream_error", (string?)problem["code"]);
        Assert.Contains("soap:Client", (string?)problem["detail"]);
        Assert.Contains("MaDVC", (string?)problem["detail"]);
        // A Client fault will not pass by itself: it is not retried although the check is safe to retry.
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
        await AssertNoIdNumberLeakedAsync(factory);
    }

    [Fact]
    public async Task Verify_C06SoapServerFault_RetriedThen502()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Identity:Resilience:MaxRetryAttempts"] = "2" },
        });
        await GatewayFactory.WireMock.AddMappingAsync(SoapServerFault());
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, An);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("soap:Server", (string?)(await JsonAsync(response))["detail"]);
        Assert.Equal(3, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
    }

    [Fact]
    public async Task Verify_C06SlowerThanAttemptTimeout_RetriedThen504UpstreamTimeout()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Identity:Resilience:MaxRetryAttempts"] = "1" },
        });
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, Slow);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("upstream_timeout", (string?)problem["code"]);
        Assert.Equal("c06", (string?)problem["upstream"]);
        // The check is a POST marked safe to retry (it only reads): the timed-out attempt was sent again.
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
        await AssertNoIdNumberLeakedAsync(factory);
    }

    // The cache expires answers on the system clock (FusionCache): these tests use TTLs of seconds and wait for them.
    [Fact]
    public async Task Verify_C06DownAfterAnswerExpired_ServesStaleAnswer()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings =
            {
                ["Connectors:Identity:Resilience:MaxRetryAttempts"] = "0",
                ["Connectors:Identity:C06:CacheTtl"] = "00:00:01",
                ["Connectors:Identity:C06:StaleTtl"] = "00:00:04",
            },
        });
        var client = factory.CreateClient(GatewayFactory.DeskKey);
        var primed = await JsonAsync(await VerifyAsync(client, An));
        Assert.Equal("upstream", (string?)primed["source"]);

        await GatewayFactory.WireMock.AddMappingAsync(C06Down());
        JsonObject? stale = null;
        await Eventually.TrueAsync(async () => (bool?)(stale = await JsonAsync(await VerifyAsync(client, An)))["stale"] == true, "the answer expires and C06 fails");

        Assert.Equal("match", (string?)stale!["result"]);
        Assert.Equal("cache", (string?)stale["source"]);
        Assert.Equal(primed["checkedAt"]!.ToString(), stale["checkedAt"]!.ToString());
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));

        var uncached = await VerifyAsync(client, Binh);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, uncached.StatusCode);
        Assert.Equal("upstream_unavailable", (string?)(await JsonAsync(uncached))["code"]);

        await Eventually.TrueAsync(
            async () => (await VerifyAsync(client, An)).StatusCode == HttpStatusCode.ServiceUnavailable,
            "past StaleTtl the failure reaches the desk");
    }

    [Fact]
    public async Task Verify_CacheTtlOption_AnswerFreshUntilItThenAskedAgain()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Identity:C06:CacheTtl"] = "00:00:03" },
        });
        var client = factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);
        var cached = await JsonAsync(await VerifyAsync(client, An));
        await Eventually.TrueAsync(async () => (string?)(await JsonAsync(await VerifyAsync(client, An)))["source"] == "upstream", "the answer expires after CacheTtl");

        Assert.Equal("cache", (string?)cached["source"]);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
    }

    private static JsonObject C06Down() => new()
    {
        ["priority"] = 1,
        ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = C06Path },
        ["response"] = new JsonObject { ["status"] = 503, ["body"] = "maintenance" },
    };

    private static JsonObject SoapServerFault() => new()
    {
        ["priority"] = 1,
        ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = C06Path },
        ["response"] = new JsonObject
        {
            ["status"] = 500,
            ["headers"] = new JsonObject { ["Content-Type"] = "text/xml; charset=utf-8" },
            ["body"] = """
                <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
                <faultcode>soap:Server</faultcode><faultstring>CSDL quốc gia về dân cư đang bận</faultstring>
                </soap:Fault></soap:Body></soap:Envelope>
                """,
        },
    };
}
