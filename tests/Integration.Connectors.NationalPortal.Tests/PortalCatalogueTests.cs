using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using static Integration.Connectors.NationalPortal.Tests.PortalTestHost;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>The procedure catalogue: pulled by a Quartz job, searched from the store.</summary>
public sealed class PortalCatalogueTests
{
    [Fact]
    public async Task AddNationalPortalConnector_SchedulesTheCatalogueAndStatisticsJobs()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        foreach (var (job, trigger) in new[] { ("portal-catalogue", "portal-catalogue-schedule"), ("portal-account-stats", "portal-account-stats-schedule") })
        {
            Assert.NotNull(await scheduler.GetJobDetail(new JobKey(job)));
            Assert.Contains(await scheduler.GetTriggersOfJob(new JobKey(job)), t => t.Key.Name == trigger);
        }
    }

    [Fact]
    public async Task SearchProcedures_AfterAPull_FindsNamesWithAndWithoutDiacritics()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var empty = await SearchAsync(client, "khai sinh");
        Assert.Null(empty["fetchedAt"]);
        Assert.Empty(empty["items"]!.AsArray());

        await PullAsync(factory);

        var accented = await SearchAsync(client, "Đăng ký");
        var plain = await SearchAsync(client, "dang ky");
        Assert.Equal(["1.900101", "1.900102", "2.900401"], Codes(accented));
        Assert.Equal(Codes(accented), Codes(plain));
        Assert.Equal(["1.900101"], Codes(await SearchAsync(client, "DANG KY  khai-sinh")));
        Assert.Equal(["1.900201"], Codes(await SearchAsync(client, "dat dai")));
        Assert.Equal(["1.900201"], Codes(await SearchAsync(client, "quyền sử dụng đất")));
        Assert.Equal(["2.900301"], Codes(await SearchAsync(client, "2.900301")));
        Assert.Empty(Codes(await SearchAsync(client, "giấy phép lái xe")));
        Assert.Equal(6, Codes(await SearchAsync(client, null)).Count);
        var first = accented["items"]![0]!;
        Assert.Equal("Đăng ký khai sinh", (string?)first["name"]);
        Assert.Equal("Hộ tịch", (string?)first["fieldName"]);
        Assert.Equal(6, (long)accented["catalogueSize"]!);
        Assert.NotNull(accented["fetchedAt"]);
        // Two pages of three make the six the portal announced: no third page is asked for.
        var pages = (await GatewayFactory.WireMock.FindRequestsAsync("POST", "/portal/share"))
            .Select(r => (int)r.BodyAsJson()!["page"]!).ToList();
        Assert.Equal([1, 2], pages);
    }

    [Fact]
    public async Task SearchProcedures_PortalDown_AnswersFromTheLastGoodCopy()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await PullAsync(factory);
        var before = await SearchAsync(client, "ket hon");

        await SetOutageAsync("down");
        await PullAsync(factory, expectFailure: true);
        var during = await SearchAsync(client, "ket hon");

        Assert.Equal(["1.900102"], Codes(during));
        Assert.Equal((string?)before["fetchedAt"], (string?)during["fetchedAt"]);
    }

    [Fact]
    public async Task CataloguePull_FailingOnPageTwo_KeepsThePreviousCopyWhole()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await PullAsync(factory);

        // The portal now lists a different first page, then fails on the second.
        await GatewayFactory.WireMock.AddMappingAsync(SharePage(1, new JsonObject
        {
            ["status"] = 200,
            ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
            ["jsonBody"] = new JsonObject
            {
                ["error_code"] = "00",
                ["total"] = 4,
                ["result"] = new JsonArray(new JsonObject { ["MaTTHC"] = "3.900999", ["TenTTHC"] = "Thủ tục mới", ["MaLinhVuc"] = "X", ["TenLinhVuc"] = "Khác" }),
            },
        }));
        await GatewayFactory.WireMock.AddMappingAsync(SharePage(2, new JsonObject { ["status"] = 500 }));
        await PullAsync(factory, expectFailure: true);

        var after = await SearchAsync(client, null);
        Assert.Equal(6, (long)after["catalogueSize"]!);
        Assert.DoesNotContain("3.900999", Codes(after));
        Assert.Contains("1.900101", Codes(after));
    }

    [Fact]
    public async Task SearchProcedures_BadParameters_Answer400()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var limit = await client.GetAsync("/api/v1/portal/procedures?limit=1000");
        using var longQuery = await client.GetAsync("/api/v1/portal/procedures?query=" + new string('a', 201));

        Assert.Equal(HttpStatusCode.BadRequest, limit.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, longQuery.StatusCode);
    }

    /// <summary>Fires the catalogue job now and waits until it logged its outcome.</summary>
    internal static async Task PullAsync(GatewayFactory factory, bool expectFailure = false, string job = "portal-catalogue")
    {
        var marker = job == "portal-catalogue" ? (expectFailure ? "catalogue pull failed" : "catalogue replaced") : "Account statistics";
        var before = factory.Logs.Lines.Count(l => l.Contains(marker, StringComparison.OrdinalIgnoreCase));
        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(new JobKey(job));
        await Eventually.TrueAsync(
            () => factory.Logs.Lines.Count(l => l.Contains(marker, StringComparison.OrdinalIgnoreCase)) > before,
            $"{job} logged '{marker}'");
    }

    private static JsonObject SharePage(int page, JsonObject response) => new()
    {
        ["priority"] = 1,
        ["request"] = new JsonObject
        {
            ["method"] = "POST",
            ["urlPath"] = "/portal/share",
            ["bodyPatterns"] = new JsonArray(
                new JsonObject { ["matchesJsonPath"] = new JsonObject { ["expression"] = "$.service", ["equalTo"] = "LayDanhSachTTHC" } },
                new JsonObject { ["matchesJsonPath"] = new JsonObject { ["expression"] = "$.page", ["equalTo"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture) } }),
        },
        ["response"] = response,
    };

    private static async Task<JsonObject> SearchAsync(HttpClient client, string? query)
    {
        var url = "/api/v1/portal/procedures" + (query is null ? "" : "?query=" + Uri.EscapeDataString(query));
        return JsonNode.Parse(await client.GetStringAsync(url))!.AsObject();
    }

    private static List<string> Codes(JsonObject result) => result["items"]!.AsArray().Select(i => (string)i!["code"]!).ToList();
}
