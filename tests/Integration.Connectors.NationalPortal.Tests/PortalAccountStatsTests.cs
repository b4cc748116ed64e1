using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using static Integration.Connectors.NationalPortal.Tests.PortalTestHost;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>Account statistics: pulled per configured locality by a Quartz job, served with their fetch time.</summary>
public sealed class PortalAccountStatsTests
{
    private static readonly Dictionary<string, string?> Localities = new()
    {
        ["Connectors:NationalPortal:Localities:0"] = "01",
        ["Connectors:NationalPortal:Localities:1"] = "92",
        ["Connectors:NationalPortal:Localities:2"] = "00",
    };

    [Fact]
    public async Task AccountStats_AfterAPull_ServesTheLatestFiguresWithTheirFetchTime()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time, settings: Localities);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        await PortalCatalogueTests.PullAsync(factory, job: "portal-account-stats");
        await Eventually.TrueAsync(
            () => factory.Logs.Lines.Count(l => l.Contains("Account statistics of locality", StringComparison.Ordinal)) >= 3,
            "every locality pulled");

        var all = JsonNode.Parse(await client.GetStringAsync("/api/v1/portal/account-stats"))!;
        Assert.Equal(["01", "92", "92.916"], all["items"]!.AsArray().Select(i => (string)i!["localityCode"]!));
        Assert.Equal(time.GetUtcNow(), (DateTimeOffset)all["fetchedAt"]!);
        var canTho = JsonNode.Parse(await client.GetStringAsync("/api/v1/portal/account-stats?locality=92"))!["items"]!.AsArray();
        Assert.Equal(2, canTho.Count);
        Assert.Equal("Thành phố Cần Thơ", (string?)canTho[0]!["localityName"]);
        Assert.Equal(512300, (long)canTho[0]!["accounts"]!);
        Assert.Equal(318955, (long)canTho[0]!["level2Accounts"]!);
        Assert.Contains(factory.Logs.Lines, l => l.Contains("locality 00 could not be pulled", StringComparison.Ordinal) && l.Contains("Mã địa bàn không hợp lệ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccountStats_PortalDownAtTheNextPull_KeepsThePreviousFiguresAndTheirTime()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time, settings: Localities);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await PortalCatalogueTests.PullAsync(factory, job: "portal-account-stats");
        await Eventually.TrueAsync(
            () => factory.Logs.Lines.Count(l => l.Contains("Account statistics of locality", StringComparison.Ordinal)) >= 3,
            "every locality pulled");
        var fetchedAt = time.GetUtcNow();

        time.Advance(TimeSpan.FromHours(1));
        await SetOutageAsync("down");
        var failuresBefore = factory.Logs.Lines.Count(l => l.Contains("could not be pulled", StringComparison.Ordinal));
        var scheduler = await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Quartz.ISchedulerFactory>(factory.Services).GetScheduler();
        await scheduler.TriggerJob(new Quartz.JobKey("portal-account-stats"));
        await Eventually.TrueAsync(
            () => factory.Logs.Lines.Count(l => l.Contains("could not be pulled", StringComparison.Ordinal)) >= failuresBefore + 3,
            "every locality failed");

        var hanoi = JsonNode.Parse(await client.GetStringAsync("/api/v1/portal/account-stats?locality=01"))!;
        Assert.Equal(fetchedAt, (DateTimeOffset)hanoi["fetchedAt"]!);
        Assert.Equal(2845120, (long)hanoi["items"]![0]!["accounts"]!);
    }

    [Fact]
    public async Task AccountStats_UnknownOrMalformedLocality_Answers404Or400()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create(settings: Localities);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var unknown = await client.GetAsync("/api/v1/portal/account-stats?locality=79");
        using var malformed = await client.GetAsync("/api/v1/portal/account-stats?locality=01;drop");
        var none = JsonNode.Parse(await client.GetStringAsync("/api/v1/portal/account-stats"))!;

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Empty(none["items"]!.AsArray());
        Assert.Null(none["fetchedAt"]);
    }
}
