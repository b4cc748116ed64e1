using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Connectors.NationalPortal.Tests.PortalTestHost;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>The connector probe and the start-time checks of the connector's configuration.</summary>
public sealed class PortalProbeTests
{
    [Fact]
    public async Task Probe_PortalUp_LogsInWithTheConfiguredAccountOnly()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        var probe = Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "NationalPortal");

        var result = Assert.Single(await probe.ProbeAsync(CancellationToken.None));

        Assert.True(result.Ok, result.Error);
        Assert.Equal("portal", result.Upstream);
        var request = Assert.Single(await GatewayFactory.WireMock.GetAllRequestsAsync());
        Assert.Equal("/portal/auth", request.Url);
    }

    [Theory]
    [InlineData("down", "HTTP 503")]
    [InlineData("reset", "could not be reached")]
    public async Task Probe_PortalDown_ReportsTheFailureWithoutThrowing(string outage, string expected)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        var probe = Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "NationalPortal");
        await SetOutageAsync(outage);

        var result = Assert.Single(await probe.ProbeAsync(CancellationToken.None));

        Assert.False(result.Ok);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Probe_WrongPassword_ReportsTheRefusalAndNamesTheSetting()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create(settings: new Dictionary<string, string?> { ["Connectors:NationalPortal:Password"] = "wrong" });
        var probe = Assert.Single(factory.Services.GetServices<IConnectorProbe>(), p => p.Connector == "NationalPortal");

        var result = Assert.Single(await probe.ProbeAsync(CancellationToken.None));

        Assert.False(result.Ok);
        Assert.Contains("Connectors:NationalPortal:Password", result.Error);
        Assert.DoesNotContain("wrong", result.Error);
    }

    [Theory]
    [InlineData("Connectors:NationalPortal:BaseUrl", "not a url", "Connectors:NationalPortal:BaseUrl")]
    [InlineData("Connectors:NationalPortal:CatalogueSchedule", "every night", "Connectors:NationalPortal:CatalogueSchedule")]
    [InlineData("Connectors:NationalPortal:Localities:0", "01;02", "Connectors:NationalPortal:Localities:0")]
    [InlineData("Outbox:MaxAttempts", "0", "Outbox:MaxAttempts")]
    [InlineData("Outbox:RetryMaxDelay", "00:00:01", "Outbox:RetryMaxDelay")]
    public void Start_InvalidSetting_StopsWithAMessageNamingTheKey(string key, string value, string named)
    {
        using var factory = Create(settings: new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient(GatewayFactory.DeskKey));

        Assert.Contains(named, error.ToString());
    }
}
