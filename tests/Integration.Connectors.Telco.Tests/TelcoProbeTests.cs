using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Telco.Tests;

/// <summary>The Telco connector's probe against WireMock.</summary>
public sealed class TelcoProbeTests
{
    [Fact]
    public async Task ProbeAsync_EverythingUp_ReportsEachUpstreamHealthyWithoutAnOwnershipCheck()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        var probe = Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "Telco");

        var results = await probe.ProbeAsync(CancellationToken.None);

        Assert.Equal(["mnp", "mobifone", "viettel", "vnpt"], results.Select(r => r.Upstream).Order(StringComparer.Ordinal).ToList());
        Assert.All(results, r => Assert.True(r.Ok, $"{r.Upstream}: {r.Error}"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/mnp/v1/numbers/84900000000"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/vnpt/oauth/token"));
        Assert.Equal((0, 0, 0), await TelcoApi.OwnershipRequestsAsync());
    }

    [Fact]
    public async Task ProbeAsync_PortabilityDown_ReportsItAndLeavesItsCircuitAlone()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        var probe = Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "Telco");
        await GatewayFactory.WireMock.SetScenarioStateAsync("mnp-outage", "down");
        await GatewayFactory.WireMock.SetScenarioStateAsync("vnpt-outage", "down");

        for (var i = 0; i < 12; i++)
        {
            var results = await probe.ProbeAsync(CancellationToken.None);
            var mnp = Assert.Single(results, r => r.Upstream == "mnp");
            Assert.False(mnp.Ok);
            Assert.Contains("connection failed", mnp.Error, StringComparison.Ordinal);
            Assert.All(results.Where(r => r.Upstream != "mnp"), r => Assert.True(r.Ok, $"{r.Upstream}: {r.Error}"));
        }

        var health = factory.Services.GetRequiredService<ConnectorHealthRegistry>().Connector("Telco");
        Assert.Equal(CircuitStatus.Closed, health.Upstream("mnp").CircuitStatus);
    }
}
