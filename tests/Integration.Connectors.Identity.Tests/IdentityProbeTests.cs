using System.Text.Json.Nodes;
using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Identity.Tests;

/// <summary>The connector's probe: one harmless call per upstream, never through a circuit, never throwing.</summary>
public sealed class IdentityProbeTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Probe_AllUpstreamsUp_OkForEachWithoutPersonalData()
    {
        using var factory = new GatewayFactory();
        var probe = IdentityProbe(factory);

        var results = await probe.ProbeAsync(CancellationToken.None);

        Assert.Equal(["c06", "lgsp", "vneid"], results.Select(r => r.Upstream).Order());
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Upstream}: {r.Error}"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/lgsp/token"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/c06/XacThucCongDan"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/c06/XacThucCongDan"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vneid/.well-known/openid-configuration"));
    }

    [Fact]
    public async Task Probe_ProviderDown_ReportsItWithoutThrowingOrTouchingTheCircuit()
    {
        using var factory = new GatewayFactory();
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "GET", ["urlPath"] = "/vneid/.well-known/openid-configuration" },
            ["response"] = new JsonObject { ["status"] = 503 },
        });
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = "/lgsp/token" },
            ["response"] = new JsonObject { ["fault"] = "CONNECTION_RESET_BY_PEER" },
        });
        var probe = IdentityProbe(factory);

        var results = await probe.ProbeAsync(CancellationToken.None);

        var vneid = Assert.Single(results, r => r.Upstream == "vneid");
        Assert.False(vneid.Ok);
        Assert.Contains("503", vneid.Error);
        var lgsp = Assert.Single(results, r => r.Upstream == "lgsp");
        Assert.False(lgsp.Ok);
        Assert.Contains("could not be reached", lgsp.Error);
        Assert.True(Assert.Single(results, r => r.Upstream == "c06").Ok);
        var health = factory.Services.GetRequiredService<ConnectorHealthRegistry>().Connector("Identity");
        Assert.Equal(["c06", "lgsp", "vneid"], health.Upstreams.Select(u => u.Upstream));
        Assert.All(health.Upstreams, u => Assert.Equal(0, u.Snapshot(TimeSpan.FromMinutes(5)).Requests));
    }

    private static IConnectorProbe IdentityProbe(GatewayFactory factory) =>
        Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "Identity");
}
