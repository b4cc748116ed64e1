using Microsoft.Extensions.Time.Testing;
using System.Net;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Core.Tests;

/// <summary>The shared resilience pipeline against WireMock's real faults and delays.</summary>
public sealed class ResilienceHandlerTests : IAsyncLifetime
{
    private static WireMockServer WireMock => TestServers.WireMock;

    public Task InitializeAsync() => WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task StubAsync(string method, string path, object response, string? scenario = null, string? state = null, string? next = null) =>
        WireMock.AddMappingAsync(new Dictionary<string, object?>
        {
            ["scenarioName"] = scenario,
            ["requiredScenarioState"] = state,
            ["newScenarioState"] = next,
            ["request"] = new { method, urlPath = "/core-test/" + path },
            ["response"] = response,
        }.Where(p => p.Value is not null).ToDictionary());

    [Fact]
    public async Task Send_BurstOf503WithRetryAfter_IsRetriedAndSucceeds()
    {
        await StubAsync("GET", "burst", new { status = 503, headers = new Dictionary<string, string> { ["Retry-After"] = "1" } }, "burst", "Started", "second");
        await StubAsync("GET", "burst", new { status = 503, headers = new Dictionary<string, string> { ["Retry-After"] = "0" } }, "burst", "second", "ok");
        await StubAsync("GET", "burst", new { status = 200, body = "done" }, "burst", "ok");
        await using var host = await CoreHost.StartAsync();

        using var response = await host.Client.GetAsync("burst");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, await WireMock.CountRequestsAsync("GET", "/core-test/burst"));
        Assert.Equal(2, host.Get<ConnectorHealthRegistry>().Connector("Test").Upstream("wiremock").Snapshot(TimeSpan.FromMinutes(5)).Retries);
    }

    [Fact]
    public async Task Send_RetryAfterBeyondTotalTimeout_ReturnsAtOnceWithRetryAfter()
    {
        await StubAsync("GET", "later", new { status = 503, headers = new Dictionary<string, string> { ["Retry-After"] = "120" } });
        await using var host = await CoreHost.StartAsync();

        using var response = await host.Client.GetAsync("later");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, await WireMock.CountRequestsAsync("GET", "/core-test/later"));
        var problem = Assert.Throws<UpstreamUnavailableException>(() => UpstreamResponse.ThrowIfTransient(response, "wiremock"));
        Assert.Equal(TimeSpan.FromSeconds(120), problem.RetryAfter);
    }

    [Fact]
    public async Task Send_ConnectionReset_IsRetried()
    {
        await StubAsync("GET", "reset", new { fault = "CONNECTION_RESET_BY_PEER" }, "reset", "Started", "fine");
        await StubAsync("GET", "reset", new { status = 200, body = "after reset" }, "reset", "fine");
        await using var host = await CoreHost.StartAsync();

        using var response = await host.Client.GetAsync("reset");

        Assert.Equal("after reset", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, await WireMock.CountRequestsAsync("GET", "/core-test/reset"));
    }

    [Fact]
    public async Task Send_DelayBeyondAttemptTimeout_TimesOutTheAttemptNotTheCall()
    {
        await StubAsync("GET", "slow", new { status = 200, body = "late", fixedDelayMilliseconds = 1500 }, "slow", "Started", "fast");
        await StubAsync("GET", "slow", new { status = 200, body = "quick" }, "slow", "fast");
        await using var host = await CoreHost.StartAsync();

        using var response = await host.Client.GetAsync("slow");

        Assert.Equal("quick", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, await WireMock.CountRequestsAsync("GET", "/core-test/slow"));
    }

    [Fact]
    public async Task Send_EveryAttemptTooSlow_IsUpstreamTimeout()
    {
        await StubAsync("GET", "never", new { status = 200, fixedDelayMilliseconds = 1500 });
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Connectors:Test:Resilience:TotalTimeout"] = "00:00:01",
            ["Connectors:Test:Resilience:MaxRetryAttempts"] = "5",
        });

        var ex = await Assert.ThrowsAsync<UpstreamTimeoutException>(() => host.Client.GetAsync("never"));

        Assert.Equal(504, ex.Status);
        Assert.Equal("upstream_timeout", ex.Code);
    }

    [Fact]
    public async Task Send_PostWithoutSafeMark_IsSentExactlyOnce()
    {
        await StubAsync("POST", "charge", new { status = 503 });
        // A POST has one attempt: give it time to reach WireMock on a busy machine (the host's 0.5 s is for the timeout tests).
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Connectors:Test:Resilience:AttemptTimeout"] = "00:00:04" });

        using var response = await host.Client.PostAsync("charge", new StringContent("{\"amount\":1}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, await WireMock.CountRequestsAsync("POST", "/core-test/charge"));
    }

    [Fact]
    public async Task Send_PostMarkedSafeToRetry_IsRetriedWithTheSameBody()
    {
        await StubAsync("POST", "lookup", new { status = 502 }, "lookup", "Started", "up");
        await StubAsync("POST", "lookup", new { status = 200, body = "found" }, "lookup", "up");
        await using var host = await CoreHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "lookup") { Content = new StringContent("<check>1</check>") };

        using var response = await host.Client.SendAsync(request.MarkSafeToRetry());

        Assert.Equal("found", await response.Content.ReadAsStringAsync());
        var sent = await WireMock.FindRequestsAsync("POST", "/core-test/lookup");
        Assert.Equal(2, sent.Count);
        Assert.All(sent, r => Assert.Equal("<check>1</check>", r.Body));
    }

    [Fact]
    public async Task Send_FailingUpstream_OpensCircuitThenHalfOpensAndClosesOnSuccess()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var failing = await WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/core-test/flaky" }, response = new { status = 500 } });
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Connectors:Test:Resilience:MaxRetryAttempts"] = "0",
            ["Connectors:Test:Resilience:MinimumThroughput"] = "4",
            ["Connectors:Test:Resilience:FailureRatio"] = "0.5",
            ["Connectors:Test:Resilience:BreakDuration"] = "00:00:30",
        }, time);
        var upstream = host.Get<ConnectorHealthRegistry>().Connector("Test").Upstream("wiremock");

        for (var i = 0; i < 4; i++)
        {
            using var r = await host.Client.GetAsync("flaky");
            Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        }

        Assert.Equal(CircuitStatus.Open, upstream.CircuitStatus);
        var open = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => host.Client.GetAsync("flaky"));
        Assert.NotNull(open.RetryAfter);
        Assert.Equal(4, await WireMock.CountRequestsAsync("GET", "/core-test/flaky"));

        await WireMock.RemoveMappingAsync(failing);
        await WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/core-test/flaky" }, response = new { status = 200 } });
        time.Advance(TimeSpan.FromSeconds(31));
        using var probe = await host.Client.GetAsync("flaky");

        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(CircuitStatus.Closed, upstream.CircuitStatus);
        Assert.Equal(5, await WireMock.CountRequestsAsync("GET", "/core-test/flaky"));
    }

    [Fact]
    public async Task Isolate_FailsCallsFastUntilClosed()
    {
        await StubAsync("GET", "fine", new { status = 200 });
        await using var host = await CoreHost.StartAsync();
        var connector = host.Get<ConnectorHealthRegistry>().Connector("Test");
        using (await host.Client.GetAsync("fine"))
        {
        }

        await connector.IsolateAsync();
        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => host.Client.GetAsync("fine"));
        Assert.Contains("isolated", ex.Detail, StringComparison.Ordinal);
        Assert.Equal(CircuitStatus.Isolated, connector.Upstream("wiremock").CircuitStatus);
        Assert.Equal(1, await WireMock.CountRequestsAsync("GET", "/core-test/fine"));

        await connector.CloseAsync();
        using var after = await host.Client.GetAsync("fine");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Isolate_BeforeTheFirstCall_AppliesToTheUpstreamWhenItIsFirstUsed()
    {
        await StubAsync("GET", "fine", new { status = 200 });
        await using var host = await CoreHost.StartAsync();
        var connector = host.Get<ConnectorHealthRegistry>().Connector("Test");

        await connector.IsolateAsync();

        Assert.Equal(CircuitStatus.Isolated, connector.Upstream("wiremock").CircuitStatus);
        await Assert.ThrowsAsync<UpstreamUnavailableException>(() => host.Client.GetAsync("fine"));
        Assert.Equal(0, await WireMock.CountRequestsAsync("GET", "/core-test/fine"));
    }

    [Fact]
    public async Task Probe_WhileIsolated_IsSentOnceOutsideRetryAndBreakerAndNotCounted()
    {
        await StubAsync("GET", "probe", new { status = 503 });
        await using var host = await CoreHost.StartAsync();
        var connector = host.Get<ConnectorHealthRegistry>().Connector("Test");
        await connector.IsolateAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "probe").MarkAsProbe();

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, await WireMock.CountRequestsAsync("GET", "/core-test/probe"));
        var figures = connector.Upstream("wiremock").Snapshot(TimeSpan.FromMinutes(5));
        Assert.Equal((0L, 0L, CircuitStatus.Isolated), (figures.Requests, figures.Retries, figures.Circuit));
    }

    [Fact]
    public async Task Send_ConnectionRefused_IsUpstreamUnavailable()
    {
        await using var host = await CoreHost.StartAsync();
        using var http = new HttpClient(host.Get<System.Net.Http.IHttpMessageHandlerFactory>().CreateHandler(typeof(EchoClient).Name))
        {
            BaseAddress = new Uri($"http://127.0.0.1:{FreePort.Get()}/"),
        };

        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => http.GetAsync("nothing-listens"));

        Assert.Equal(503, ex.Status);
    }

    [Theory]
    [InlineData("AttemptTimeout", "00:01:00", "Connectors:Test:Resilience:AttemptTimeout")]
    [InlineData("SamplingDuration", "00:00:00.600", "Connectors:Test:Resilience:SamplingDuration")]
    [InlineData("MaxRetryAttempts", "42", "Connectors:Test:Resilience:MaxRetryAttempts")]
    [InlineData("FailureRatio", "1.5", "Connectors:Test:Resilience:FailureRatio")]
    public async Task Start_InvalidResilienceOption_StopsWithMessageNamingTheKey(string key, string value, string expectedKey)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Connectors:Test:Resilience:" + key] = value });
        });

        Assert.Contains(expectedKey, ex.ToString(), StringComparison.Ordinal);
    }
}
