using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using Integration.Testing.Servers;
using static Integration.Indicators.Tests.IndicatorsKit;

namespace Integration.Indicators.Tests;

/// <summary>
/// Each definition of docs/indicators.md on the hand-computed November dataset, through the real
/// routes, on SQLite and on PostgreSQL. The clock stands on 10 December 2026, 09:00 Vietnam time.
/// </summary>
public sealed class DossierIndicatorsTests
{
    private static long L(JsonNode? node, string name) => node![name]!.GetValue<long>();

    private static double? Rate(JsonNode? node, string name) => node![name]?.GetValue<double>();

    private static JsonNode Group(JsonObject answer, string key) =>
        answer["groups"]!.AsArray().Single(g => g!["key"]!.GetValue<string>() == key)!;

    private static void Figures(JsonNode? n, long received, long online, double? onlineRate, long finished, long onTime, long late, double? onTimeRate, long overdue)
    {
        Assert.Equal(
            (received, online, onlineRate, finished, onTime, late, onTimeRate, overdue),
            (L(n, "received"), L(n, "online"), Rate(n, "onlineRate"), L(n, "finished"), L(n, "onTime"), L(n, "late"), Rate(n, "onTimeRate"), L(n, "overdueOpen")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDossiers_November_EachDefinitionAsComputedByHand(bool postgres)
    {
        using var november = await NovemberGateway.StartAsync(postgres);
        var reports = november.Reports;

        var answer = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=agency");

        Assert.Equal("2026-11-01", answer["from"]!.GetValue<string>());
        Assert.Equal("2026-12-01", answer["to"]!.GetValue<string>());
        // Received 10 (D7 came in October), 5 online; finished D1 (at its due minute), D2 (a minute late), D6
        // (reopened, within its new due date), D7; overdue at the end of November: D8 and D9.
        Figures(answer["total"], 10, 5, 0.5, 4, 3, 1, 0.75, 2);
        Figures(Group(answer, CommuneA), 4, 3, 0.75, 3, 2, 1, 0.6667, 1);
        Figures(Group(answer, District), 5, 2, 0.4, 1, 1, 0, 1.0, 1);
        Figures(Group(answer, CommuneC), 0, 0, null, 0, 0, 0, null, 0);
        Figures(Group(answer, Unlisted), 1, 0, 0.0, 0, 0, 0, null, 0);
        Assert.Equal("UBND xã Tân Hòa", Group(answer, CommuneA)["name"]!.GetValue<string>());
        Assert.Equal("commune", Group(answer, CommuneA)["level"]!.GetValue<string>());
        Assert.Null(Group(answer, Unlisted)["name"]);
        // Rates are present as null when there is nothing to divide by.
        Assert.True(Group(answer, CommuneC).AsObject().ContainsKey("onTimeRate"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDossiers_GroupedByLevelAndLocality_FoldsAgenciesThroughTheDirectory(bool postgres)
    {
        using var november = await NovemberGateway.StartAsync(postgres);
        var reports = november.Reports;

        var byLevel = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=level");
        var byLocality = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=locality");

        Assert.Equal(["province", "district", "commune", "unknown"], byLevel["groups"]!.AsArray().Select(g => g!["key"]!.GetValue<string>()));
        Figures(Group(byLevel, "commune"), 4, 3, 0.75, 3, 2, 1, 0.6667, 1);
        Figures(Group(byLevel, "province"), 0, 0, null, 0, 0, 0, null, 0);
        Assert.Equal("Cấp xã", Group(byLevel, "commune")["name"]!.GetValue<string>());
        Figures(Group(byLocality, "990"), 5, 2, 0.4, 1, 1, 0, 1.0, 1);
        Figures(Group(byLocality, "99001"), 4, 3, 0.75, 3, 2, 1, 0.6667, 1);
        Figures(Group(byLocality, "unknown"), 1, 0, 0.0, 0, 0, 0, null, 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDossiers_December_FinishedNextMonthIsLateAndOverdueIsJudgedNow(bool postgres)
    {
        using var november = await NovemberGateway.StartAsync(postgres);
        var reports = november.Reports;

        var december = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-12-01&to=2027-01-01");
        var overdue = await GetAsync(reports, "/api/v1/indicators/overdue?from=2026-12-01&to=2027-01-01");

        // Nothing received; D8 finished on 2 December after its due date (late); December is not over, so overdue
        // is judged now (10 December): D9 (due 27 November) and D10 (due 5 December).
        Figures(december["total"], 0, 0, null, 1, 0, 1, 0.0, 2);
        Assert.Equal(["D9", "D10"], overdue["items"]!.AsArray().Select(i => i!["dossierCode"]!.GetValue<string>()));
        Assert.Equal(2, L(overdue, "total"));
        Assert.Equal(12, overdue["items"]![0]!["overdueDays"]!.GetValue<int>());
        Assert.Equal("UBND huyện Tân Phú", overdue["items"]![0]!["agencyName"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetOverdue_November_ListsWhatWasOpenAndDueAtTheEndOfTheMonth(bool postgres)
    {
        using var november = await NovemberGateway.StartAsync(postgres);
        var reports = november.Reports;

        var overdue = await GetAsync(reports, "/api/v1/indicators/overdue?from=2026-11-01&to=2026-12-01");
        var ofA = await GetAsync(reports, $"/api/v1/indicators/overdue?from=2026-11-01&to=2026-12-01&agency={CommuneA}");

        // D4 was withdrawn after its due date and D5 stopped: closed, so not overdue. D8 was finished only in December.
        Assert.Equal(["D9", "D8"], overdue["items"]!.AsArray().Select(i => i!["dossierCode"]!.GetValue<string>()));
        Assert.Equal("2026-12-01T00:00:00+07:00", overdue["asOf"]!.GetValue<string>());
        Assert.Equal(["D8"], ofA["items"]!.AsArray().Select(i => i!["dossierCode"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetCommunesWithoutOnline_November_ListsTheCommuneWithNoOnlineDossier(bool postgres)
    {
        using var gateway = await NovemberGateway.StartAsync(postgres);
        var reports = gateway.Reports;

        var november = await GetAsync(reports, "/api/v1/indicators/communes-without-online?from=2026-11-01&to=2026-12-01");
        var october = await GetAsync(reports, "/api/v1/indicators/communes-without-online?from=2026-10-01&to=2026-11-01");

        Assert.Equal(2, november["communeCount"]!.GetValue<int>());
        var commune = Assert.Single(november["communes"]!.AsArray());
        Assert.Equal(CommuneC, commune!["code"]!.GetValue<string>());
        Assert.Equal("UBND xã Đắk Ơ", commune["name"]!.GetValue<string>());
        Assert.Equal(2, october["communes"]!.AsArray().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDossiers_VersionsArrivingOutOfOrder_SameFiguresAsInOrder(bool postgres)
    {
        using var factory = Create(postgres, NovemberGateway.Clock());
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);
        using var reports = factory.CreateClient(ReportsKey);
        // E1: returned (v3) arrives before the result (v2, exactly at the due minute) and before reception (v1):
        // the finish time moves back to v2's, so the dossier is on time, and it stays returned.
        await PutAsync(desk, "E1", 3, 10, At(11, 6, 9), At(11, 2), At(11, 5, 17), CommuneA, 2);
        await PutAsync(desk, "E1", 2, 9, At(11, 5, 17), At(11, 2), At(11, 5, 17), CommuneA, 2);
        await PutAsync(desk, "E1", 1, 2, At(11, 2), At(11, 2), At(11, 5, 17), CommuneA, 2);
        // E2: rejected (v1), then taken back into processing (v2): open again, and overdue.
        await PutAsync(desk, "E2", 1, 3, At(11, 4, 10), At(11, 4), At(11, 10), District, 1);
        await PutAsync(desk, "E2", 2, 4, At(11, 6), At(11, 4), At(11, 10), District, 1);
        // E3: in processing (v2), then the older rejection (v1) arrives late: it does not close the dossier.
        await PutAsync(desk, "E3", 2, 4, At(11, 6), At(11, 4), At(11, 10), District, 1);
        await PutAsync(desk, "E3", 1, 3, At(11, 4, 10), At(11, 4), At(11, 10), District, 1);

        var answer = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01");
        var overdue = await GetAsync(reports, "/api/v1/indicators/overdue?from=2026-11-01&to=2026-12-01");

        Figures(answer["total"], 3, 1, 0.3333, 1, 1, 0, 1.0, 2);
        Assert.Equal(["E2", "E3"], overdue["items"]!.AsArray().Select(i => i!["dossierCode"]!.GetValue<string>()));
        Assert.Equal([4, 4], overdue["items"]!.AsArray().Select(i => i!["status"]!.GetValue<int>()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetDossiers_SameVersionSentAgainWithOtherContent_RefusedAndNotCounted(bool postgres)
    {
        using var factory = Create(postgres, NovemberGateway.Clock());
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);
        using var reports = factory.CreateClient(ReportsKey);
        await PutAsync(desk, "F1", 1, 2, At(11, 3), At(11, 3), At(11, 6, 17), CommuneA, 2);

        // Version 1 again, now saying the result is ready: a correction must be a new version.
        await PutAsync(desk, "F1", 1, 9, At(11, 5), At(11, 3), At(11, 6, 17), CommuneA, 2, HttpStatusCode.Conflict);

        // Still open (and overdue at the end of November): the refused version's finish was not recorded.
        var answer = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01");
        Figures(answer["total"], 1, 1, 1.0, 0, 0, 0, null, 1);
    }

    [Fact]
    public async Task PortalOutage_DuringStatusChanges_FiguresAreTheSame()
    {
        // The portal answers nothing useful: every delivery fails and stays in the outbox.
        await TestServers.WireMock.ResetAsync();
        await TestServers.WireMock.AddMappingAsync(new { priority = 1, request = new { method = "ANY", urlPathPattern = "/portal/.*" }, response = new { status = 503 } });
        try
        {
            using var november = await NovemberGateway.StartAsync(postgres: false);
            var reports = november.Reports;

            var answer = await GetAsync(reports, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01");

            Figures(answer["total"], 10, 5, 0.5, 4, 3, 1, 0.75, 2);
        }
        finally
        {
            await TestServers.WireMock.ResetAsync();
        }
    }

    [Fact]
    public async Task GetDossiers_AsCsv_Utf8WithByteOrderMarkAndVietnameseNames()
    {
        using var november = await NovemberGateway.StartAsync(postgres: false);
        var reports = november.Reports;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01");
        request.Headers.Accept.Clear();
        request.Headers.Accept.ParseAdd("text/csv");
        using var byAccept = await reports.SendAsync(request);
        using var byFormat = await reports.GetAsync("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&format=csv");

        Assert.Equal(HttpStatusCode.OK, byAccept.StatusCode);
        Assert.Equal("text/csv", byAccept.Content.Headers.ContentType!.MediaType);
        var bytes = await byAccept.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = System.Text.Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("key,name,level,received,online,onlineRate,finished,onTime,late,onTimeRate,overdueOpen", lines[0]);
        Assert.Contains($"{CommuneA},UBND xã Tân Hòa,commune,4,3,0.75,3,2,1,0.6667,1", lines);
        Assert.Equal("total,Tổng cộng,,10,5,0.5,4,3,1,0.75,2", lines[^1]);
        Assert.Equal(bytes, await byFormat.Content.ReadAsByteArrayAsync());
        Assert.Contains("chi-tieu-ho-so-2026-11-01-2026-12-01.csv", byFormat.Content.Headers.ContentDisposition!.ToString());
    }

    [Theory]
    [InlineData("/api/v1/indicators/dossiers?to=2026-12-01", "invalid_period")]
    [InlineData("/api/v1/indicators/dossiers?from=2026-11-31&to=2026-12-01", "invalid_period")]
    [InlineData("/api/v1/indicators/dossiers?from=2026-12-01&to=2026-12-01", "invalid_period")]
    [InlineData("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-11-01T00:00", "invalid_period")]
    [InlineData("/api/v1/indicators/dossiers?from=2020-01-01&to=2026-12-01", "invalid_period")]
    [InlineData("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&groupBy=procedure", "invalid_group_by")]
    [InlineData("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01&format=xlsx", "invalid_field")]
    [InlineData("/api/v1/indicators/payments?from=11/01/2026&to=2026-12-01", "invalid_period")]
    [InlineData("/api/v1/indicators/accounts?locality=01;drop&from=2026-11-01&to=2026-12-01", "invalid_field")]
    [InlineData("/api/v1/indicators/overdue?from=2026-11-01&to=2026-12-01&limit=0", "invalid_field")]
    [InlineData("/api/v1/indicators/overdue?from=2026-11-01&to=2026-12-01&agency=A12345678901234567890123456789012345678901234567890123456789012345", "invalid_field")]
    [InlineData("/api/v1/indicators/communes-without-online?from=2026-11-01", "invalid_period")]
    public async Task Get_BadPeriodOrGrouping_400ProblemWithStableCode(string path, string code)
    {
        using var factory = Create(postgres: false, NovemberGateway.Clock());
        using var reports = factory.CreateClient(ReportsKey);

        using var response = await reports.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_KeyWithoutReportsScope_403()
    {
        using var factory = Create(postgres: false, NovemberGateway.Clock());
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await desk.GetAsync("/api/v1/indicators/dossiers?from=2026-11-01&to=2026-12-01");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
