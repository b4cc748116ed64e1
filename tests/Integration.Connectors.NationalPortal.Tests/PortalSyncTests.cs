using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Connectors.NationalPortal.Tests.PortalTestHost;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>Dossier status sync end to end: the host's API, the outbox, the dispatcher and the mock portal, on SQLite and on PostgreSQL.</summary>
public abstract class PortalSyncTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : PortalSyncTests(postgres: false);

    public sealed class Postgres() : PortalSyncTests(postgres: true);

    private const string A = "000.21.09.H99-261120-0001";
    private const string B = "000.21.09.H99-261120-0002";

    [Fact]
    public async Task PutStatus_PortalUp_DeliversAtOnceAsANewDossier()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{A}/status", Change(1, 2, time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("queued", (string?)accepted["state"]);
        Assert.Matches("^[0-9a-f]{32}$", (string?)accepted["syncId"]);
        Assert.EndsWith($"/api/v1/portal/dossiers/{A}/sync", response.Headers.Location!.ToString());
        // The enqueue wakes the dispatcher: no clock movement needed.
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "version 1 delivered");

        var call = Assert.Single(await IntegrationCallsAsync());
        Assert.Equal("DongBoHoSoMC", call.Service);
        Assert.Equal("False", call.IsUpdating);
        Assert.Equal("1.900101", (string?)call.Data["MaTTHC"]);
        Assert.Equal("2", (string?)call.Data["TrangThaiHoSo"]);
        Assert.Equal("000.21.09.H99", (string?)call.Data["DonViXuLy"]);
        Assert.Equal(VietnamFormat(time.GetUtcNow().AddDays(3)), (string?)call.Data["NgayHenTra"]);
        var item = Assert.Single(await ItemsAsync(client, A));
        Assert.Equal(1, (long)item["attempts"]!);
        Assert.Null(item["lastError"]);
    }

    [Fact]
    public async Task Backlog_PortalDownForAWhileThenBack_DrainsInVersionOrderPerDossierExactlyOnce()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var backlog = factory.Services.GetRequiredService<ConnectorHealthRegistry>().Connector("NationalPortal").Backlog!;

        await SetOutageAsync("down");
        var now = time.GetUtcNow();
        foreach (var (code, version, status) in new[] { (A, 1L, 1), (A, 2L, 2), (B, 1L, 2), (A, 3L, 4), (B, 2L, 4) })
        {
            Assert.Equal("queued", (string?)(await PutStatusAsync(client, code, Change(version, status, now)))["state"]);
        }

        // Only the lowest version of each dossier is tried while the portal is down; the rest wait behind it.
        await Eventually.TrueAsync(async () => (await AttemptsAsync(client, A, B)) == "A1:1 A2:0 A3:0 B1:1 B2:0", "first attempts failed");
        Assert.Equal(5, (await backlog(CancellationToken.None)).Pending);
        time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(async () => (await AttemptsAsync(client, A, B)) == "A1:2 A2:0 A3:0 B1:2 B2:0", "second attempts failed");
        var failed = (await ItemsAsync(client, A))[0];
        Assert.Equal("queued", (string?)failed["state"]);
        Assert.Contains("503", (string?)failed["lastError"]);
        var opsView = JsonNode.Parse(await ops.GetStringAsync("/api/v1/portal/outbox?state=queued"))!;
        Assert.Equal(5, (long)opsView["pending"]!);
        Assert.Equal(0, (long)opsView["dead"]!);

        await SetOutageAsync("Started");
        await GatewayFactory.WireMock.ResetRequestsAsync();
        time.Advance(TimeSpan.FromSeconds(20));
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A, B), "backlog drained");

        var calls = await IntegrationCallsAsync();
        Assert.Equal(5, calls.Count);
        Assert.Equal([1L, 2, 3], calls.Where(c => c.DossierCode == A).Select(c => c.Version));
        Assert.Equal([1L, 2], calls.Where(c => c.DossierCode == B).Select(c => c.Version));
        Assert.All(calls, c => Assert.Equal(c.Version == 1 ? "False" : "True", c.IsUpdating));
        Assert.Equal(["1", "2", "4"], calls.Where(c => c.DossierCode == A).Select(c => (string)c.Data["TrangThaiHoSo"]!));
        Assert.Equal(1, await LoginsAsync());
        Assert.Equal(new BacklogSnapshot(0, 0, null), await backlog(CancellationToken.None));
    }

    [Fact]
    public async Task Backlog_GatewayRestartedWhilePortalDown_NewInstanceDeliversEverything()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var store = await SharedStoreAsync();
        var start = new FakeTimeProvider(TestClock.Start).GetUtcNow();

        await SetOutageAsync("reset");
        using (var before = Create(new FakeTimeProvider(start), storeConnectionString: store))
        {
            using var client = before.CreateClient(GatewayFactory.DeskKey);
            for (var v = 1; v <= 3; v++)
            {
                await PutStatusAsync(client, A, Change(v, v + 1, start));
            }

            await PutStatusAsync(client, B, Change(1, 2, start));
            await Eventually.TrueAsync(async () => (await AttemptsAsync(client, A, B)) == "A1:1 A2:0 A3:0 B1:1", "first attempts failed");
        }

        await SetOutageAsync("Started");
        await GatewayFactory.WireMock.ResetRequestsAsync();
        // The new instance starts after the retry time: its first poll sends the backlog.
        using var after = Create(new FakeTimeProvider(start.AddMinutes(5)), storeConnectionString: store);
        using var restarted = after.CreateClient(GatewayFactory.DeskKey);
        await Eventually.TrueAsync(() => AllAsync(restarted, "delivered", A, B), "backlog delivered after the restart");

        var calls = await IntegrationCallsAsync();
        Assert.Equal([1L, 2, 3], calls.Where(c => c.DossierCode == A).Select(c => c.Version));
        Assert.Equal([1L], calls.Where(c => c.DossierCode == B).Select(c => c.Version));
        Assert.Contains("could not be reached", (string?)(await ItemsAsync(restarted, A))[0]["lastError"]);
    }

    [Fact]
    public async Task Backlog_SessionExpiresMidBacklog_LogsInOnceAgainAndLosesNothing()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var now = time.GetUtcNow();
        await PutStatusAsync(client, A, Change(1, 2, now));
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "version 1 delivered");
        var oldSession = Assert.Single(await IntegrationCallsAsync()).Session;

        // From now on the portal treats the first session as expired.
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 2,
            ["request"] = new JsonObject
            {
                ["method"] = "POST",
                ["urlPath"] = "/portal/integration",
                ["bodyPatterns"] = new JsonArray(new JsonObject { ["matchesJsonPath"] = new JsonObject { ["expression"] = "$.session", ["equalTo"] = oldSession } }),
            },
            ["response"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                ["jsonBody"] = new JsonObject { ["error_code"] = "-1", ["message"] = "Phiên làm việc đã hết hạn" },
            },
        });
        await SetOutageAsync("down");
        await PutStatusAsync(client, A, Change(2, 4, now));
        await PutStatusAsync(client, A, Change(3, 9, now));
        await PutStatusAsync(client, B, Change(1, 2, now));
        await Eventually.TrueAsync(async () => (await AttemptsAsync(client, A, B)) == "A1:1 A2:1 A3:0 B1:1", "attempts failed while down");

        await SetOutageAsync("Started");
        await GatewayFactory.WireMock.ResetRequestsAsync();
        time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A, B), "backlog delivered");

        Assert.Equal(1, await LoginsAsync());
        var calls = await IntegrationCallsAsync();
        var expired = calls.Where(c => c.Session == oldSession).ToList();
        var delivered = calls.Where(c => c.Session != oldSession).ToList();
        Assert.NotEmpty(expired);
        Assert.Single(delivered.Select(c => c.Session).Distinct());
        Assert.Equal([2L, 3], delivered.Where(c => c.DossierCode == A).Select(c => c.Version));
        Assert.Equal([1L], delivered.Where(c => c.DossierCode == B).Select(c => c.Version));
    }

    [Fact]
    public async Task PermanentError_GoesDeadWithThePortalsMessage_BlocksLaterVersionsUntilRequeuedOrSkipped()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var now = time.GetUtcNow();

        var first = await PutStatusAsync(client, A, Change(1, 2, now, procedureCode: "9.999999"));
        var syncId = (string)first["syncId"]!;
        await Eventually.TrueAsync(() => AllAsync(client, "dead", A), "version 1 dead");
        var dead = Assert.Single(await ItemsAsync(client, A));
        Assert.Equal(1, (long)dead["attempts"]!);
        Assert.Contains("error 12", (string?)dead["lastError"]);
        Assert.Contains("không tồn tại trên Cổng Dịch vụ công quốc gia", (string?)dead["lastError"]);

        await PutStatusAsync(client, A, Change(2, 4, now));
        time.Advance(TimeSpan.FromMinutes(5));
        var opsView = JsonNode.Parse(await ops.GetStringAsync("/api/v1/portal/outbox?state=dead"))!;
        Assert.Equal(1, (long)opsView["dead"]!);
        Assert.Equal(syncId, (string?)opsView["items"]![0]!["syncId"]);
        var waiting = (await ItemsAsync(client, A))[1];
        Assert.Equal("queued", (string?)waiting["state"]);
        Assert.Equal(0, (long)waiting["attempts"]!);

        using (var requeue = await ops.PostAsync($"/api/v1/portal/outbox/{syncId}/requeue", null))
        {
            Assert.Equal(HttpStatusCode.OK, requeue.StatusCode);
        }

        await Eventually.TrueAsync(async () => (await AttemptsAsync(client, A)) == "A1:1 A2:0" && (string?)(await ItemsAsync(client, A))[0]["state"] == "dead", "requeued version sent again and refused again");
        Assert.Equal(2, (await IntegrationCallsAsync()).Count(c => c.Version == 1));

        using (var skip = await ops.PostAsync($"/api/v1/portal/outbox/{syncId}/skip", null))
        {
            Assert.Equal(HttpStatusCode.OK, skip.StatusCode);
            Assert.Equal("skipped", (string?)JsonNode.Parse(await skip.Content.ReadAsStringAsync())!["state"]);
        }

        await Eventually.TrueAsync(async () => (string?)(await ItemsAsync(client, A))[1]["state"] == "delivered", "version 2 delivered after the skip");
        var second = Assert.Single(await IntegrationCallsAsync(), c => c.Version == 2);
        // The portal never accepted version 1, so version 2 is the dossier's first sync.
        Assert.Equal("False", second.IsUpdating);
    }

    [Fact]
    public async Task RequeueOrSkip_NotDeadUnknownOrWithoutOpsScope_IsRefused()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var syncId = (string)(await PutStatusAsync(client, A, Change(1, 2, time.GetUtcNow())))["syncId"]!;
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "delivered");

        using var delivered = await ops.PostAsync($"/api/v1/portal/outbox/{syncId}/requeue", null);
        using var unknown = await ops.PostAsync($"/api/v1/portal/outbox/{Guid.NewGuid():N}/requeue", null);
        using var malformed = await ops.PostAsync("/api/v1/portal/outbox/not-an-id/requeue", null);
        using var desk = await client.PostAsync($"/api/v1/portal/outbox/{syncId}/requeue", null);
        using var skip = await ops.PostAsync($"/api/v1/portal/outbox/{syncId}/skip", null);

        Assert.Equal(HttpStatusCode.Conflict, delivered.StatusCode);
        Assert.Equal("conflict", (string?)JsonNode.Parse(await delivered.Content.ReadAsStringAsync())!["code"]);
        Assert.Equal(HttpStatusCode.Conflict, skip.StatusCode);
        var skipProblem = JsonNode.Parse(await skip.Content.ReadAsStringAsync())!;
        Assert.Equal("conflict", (string?)skipProblem["code"]);
        Assert.Equal("Only a dead item can be skipped.", (string?)skipProblem["title"]);
        Assert.Equal("The item is delivered.", (string?)skipProblem["detail"]);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, desk.StatusCode);
        Assert.Single(await IntegrationCallsAsync());
    }

    [Fact]
    public async Task SyncAndOutboxQueries_BadParameters_Answer400NamingTheParameter()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = Create(new FakeTimeProvider(TestClock.Start));
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);

        using var sync = await client.GetAsync("/api/v1/portal/dossiers/-leading-dash/sync");
        using var state = await ops.GetAsync("/api/v1/portal/outbox?state=lost");
        using var limit = await ops.GetAsync("/api/v1/portal/outbox?limit=501");

        foreach (var (response, field) in new[] { (sync, "dossierCode"), (state, "state"), (limit, "limit") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("invalid_field", (string?)problem["code"]);
            Assert.Equal(field, (string?)Assert.Single(problem["errors"]!.AsArray())!["field"]);
        }
    }

    [Fact]
    public async Task PutStatus_SameVersionTwice_QueuesAndDeliversItOnce()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var change = Change(1, 2, time.GetUtcNow());

        var first = await PutStatusAsync(client, A, change);
        var second = await PutStatusAsync(client, A, change);
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "delivered");
        var third = await PutStatusAsync(client, A, change);

        Assert.False((bool)first["duplicate"]!);
        Assert.True((bool)second["duplicate"]!);
        Assert.Equal((string?)first["syncId"], (string?)second["syncId"]);
        Assert.Equal((string?)first["syncId"], (string?)third["syncId"]);
        Assert.Equal("delivered", (string?)third["state"]);
        Assert.Single(await ItemsAsync(client, A));
        Assert.Single(await IntegrationCallsAsync());
    }

    [Fact]
    public async Task PutStatus_SameVersionWithOtherContent_409VersionConflictAndTheFirstIsKept()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var now = time.GetUtcNow();
        var first = await PutStatusAsync(client, A, Change(1, 2, now));
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "version 1 delivered");
        var corrected = Change(1, 2, now);
        corrected["applicantName"] = "Nguyễn Thị Thứ";
        var sameInstantOtherOffset = Change(1, 2, now);
        sameInstantOtherOffset["changedAt"] = now.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

        using var conflict = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{A}/status", corrected);
        var repeat = await PutStatusAsync(client, A, sameInstantOtherOffset);

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        var problem = JsonNode.Parse(await conflict.Content.ReadAsStringAsync())!;
        Assert.Equal("version_conflict", (string?)problem["code"]);
        Assert.Contains("higher version", (string?)problem["detail"]);
        Assert.True((bool)repeat["duplicate"]!);
        Assert.Equal((string?)first["syncId"], (string?)repeat["syncId"]);
        var call = Assert.Single(await IntegrationCallsAsync());
        Assert.Equal("Nguyễn Thị Thử", (string?)call.Data["ChuHoSo"]);
        Assert.Single(await ItemsAsync(client, A));
    }

    [Fact]
    public async Task PutStatus_PortalAnswers97_CountsAsDelivered()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        const string code = "000.21.09.H99-TRUNG-0003";

        await PutStatusAsync(client, code, Change(1, 2, time.GetUtcNow()));

        await Eventually.TrueAsync(() => AllAsync(client, "delivered", code), "97 counted as delivered");
        Assert.Null((await ItemsAsync(client, code))[0]["lastError"]);
        Assert.Contains(factory.Logs.Lines, l => l.Contains("already had DongBoHoSoMC", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PutStatus_SessionExpiredAtTheFirstCall_LogsInAgainOnceAndDelivers()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        const string code = "000.21.09.H99-HETPHIEN-0004";

        await PutStatusAsync(client, code, Change(1, 2, time.GetUtcNow()));

        await Eventually.TrueAsync(() => AllAsync(client, "delivered", code), "delivered after a new login");
        Assert.Equal(2, await LoginsAsync());
        var calls = await IntegrationCallsAsync();
        Assert.Equal(2, calls.Count);
        Assert.NotEqual(calls[0].Session, calls[1].Session);
        Assert.Equal(1, (long)(await ItemsAsync(client, code))[0]["attempts"]!);
    }

    [Fact]
    public async Task PutStatus_WithHandler_SendsTheDossierThenTheProgressStep()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var change = Change(1, 4, time.GetUtcNow());
        change["handler"] = "Trần Văn Cán";
        change["handlerTitle"] = "Công chức tư pháp - hộ tịch";
        change["note"] = "Chuyển xử lý";

        await PutStatusAsync(client, A, change);
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "delivered");

        var calls = await IntegrationCallsAsync();
        Assert.Equal(["DongBoHoSoMC", "CapNhatTienDoHoSoMC"], calls.Select(c => c.Service));
        Assert.Equal("Trần Văn Cán", (string?)calls[1].Data["NguoiXuLy"]);
        Assert.Equal("4", (string?)calls[1].Data["TrangThai"]);
    }

    [Fact]
    public async Task PutStatus_PhoneNumber_ReachesThePortalButNoLogOrAnswer()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var change = Change(1, 2, time.GetUtcNow());
        change["phoneNumber"] = "+84 912 345 678";

        await PutStatusAsync(client, A, change);
        await Eventually.TrueAsync(() => AllAsync(client, "delivered", A), "delivered");

        Assert.Equal("0912345678", (string?)Assert.Single(await IntegrationCallsAsync()).Data["SoDienThoai"]);
        var sync = (await SyncAsync(client, A)).ToJsonString();
        Assert.DoesNotContain("345678", sync);
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("345678", StringComparison.Ordinal) || l.Contains("345 678", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetSync_OpenDossierPastItsDueDate_IsOverdueUntilProcessed()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var now = time.GetUtcNow();

        await PutStatusAsync(client, A, Change(1, 4, now));
        var onTime = await SyncAsync(client, A);
        time.Advance(TimeSpan.FromDays(4));
        var late = await SyncAsync(client, A);
        await PutStatusAsync(client, A, Change(2, 9, time.GetUtcNow()));
        var processed = await SyncAsync(client, A);

        Assert.True((bool)onTime["open"]!);
        Assert.False((bool)onTime["overdue"]!);
        Assert.True((bool)late["overdue"]!);
        Assert.Equal(4, (int)late["status"]!);
        Assert.False((bool)processed["open"]!);
        Assert.False((bool)processed["overdue"]!);
        Assert.Equal(9, (int)processed["status"]!);
        Assert.Equal(2, (long)processed["version"]!);
    }

    [Fact]
    public async Task PutStatus_InvalidFields_Answers400WithCodesAndQueuesNothing()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var change = Change(1, 2, time.GetUtcNow());
        change["status"] = 11;
        change["version"] = 0;
        change["applicantType"] = 3;
        change["channel"] = null;
        change["phoneNumber"] = "0123";
        change["dueAt"] = PortalTestHost.Iso(time.GetUtcNow().AddDays(-5));
        change["changedAt"] = "yesterday";
        change.Remove("applicantName");

        using var response = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{A}/status", change);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", (string?)problem["code"]);
        var errors = problem["errors"]!.AsArray().Select(e => $"{e!["field"]}:{e["code"]}").ToList();
        Assert.Equal(
            ["status:invalid_field", "version:invalid_field", "changedAt:invalid_field", "dueAt:invalid_field", "applicantName:missing_field", "applicantType:invalid_field", "phoneNumber:invalid_phone_number", "channel:missing_field"],
            errors);
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("0123", StringComparison.Ordinal) && l.Contains("phone", StringComparison.OrdinalIgnoreCase));
        using var sync = await client.GetAsync($"/api/v1/portal/dossiers/{A}/sync");
        Assert.Equal(HttpStatusCode.NotFound, sync.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/portal/.*", regex: true));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("-leading-dash")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public async Task PutStatus_BadDossierCode_Answers400(string dossierCode)
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{Uri.EscapeDataString(dossierCode)}/status", Change(1, 2, time.GetUtcNow()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_field", (string?)problem["code"]);
        Assert.Equal("dossierCode", (string?)problem["errors"]![0]!["field"]);
    }

    [Fact]
    public async Task PortalRoutes_WithoutPortalScope_AreForbidden()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(time);
        using var identityOnly = factory.CreateClient(GatewayFactory.IdentityOnlyKey);
        using var anonymous = factory.CreateClient((string?)null);

        using var put = await identityOnly.PutAsJsonAsync($"/api/v1/portal/dossiers/{A}/status", Change(1, 2, time.GetUtcNow()));
        using var search = await identityOnly.GetAsync("/api/v1/portal/procedures?query=khai");
        using var noKey = await anonymous.GetAsync($"/api/v1/portal/dossiers/{A}/sync");

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, search.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task TwoInstances_SharingOneStore_SendEveryVersionOnceAndInOrder()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var store = await SharedStoreAsync();
        var fast = new Dictionary<string, string?> { ["Outbox:PollInterval"] = "00:00:00.050" };
        using var one = Create(storeConnectionString: store, settings: fast);
        using var two = Create(storeConnectionString: store, settings: fast);
        using var clientOne = one.CreateClient(GatewayFactory.DeskKey);
        using var clientTwo = two.CreateClient(GatewayFactory.DeskKey);
        var codes = Enumerable.Range(1, 4).Select(i => $"000.21.09.H99-261120-01{i:00}").ToArray();
        var now = TimeProvider.System.GetUtcNow();

        for (var v = 1; v <= 4; v++)
        {
            foreach (var (code, i) in codes.Select((c, i) => (c, i)))
            {
                await PutStatusAsync(i % 2 == 0 ? clientOne : clientTwo, code, Change(v, v + 1, now));
            }
        }

        await Eventually.TrueAsync(() => AllAsync(clientOne, "delivered", codes), "every version delivered");

        var calls = await IntegrationCallsAsync();
        Assert.Equal(16, calls.Count);
        foreach (var code in codes)
        {
            Assert.Equal([1L, 2, 3, 4], calls.Where(c => c.DossierCode == code).Select(c => c.Version));
        }
    }

    /// <summary>A gateway for these tests (<see cref="PortalTestHost.Create"/>) on this run's store, or on <paramref name="storeConnectionString"/>.</summary>
    private GatewayFactory Create(FakeTimeProvider? time = null, string? storeConnectionString = null, IDictionary<string, string?>? settings = null) =>
        PortalTestHost.Create(time, OnPostgres && storeConnectionString is null, storeConnectionString, settings);

    /// <summary>"A1:2 A2:0 B1:1": attempts per version, for the dossiers given (A, B, then any other by position).</summary>
    private static async Task<string> AttemptsAsync(HttpClient client, params string[] dossierCodes)
    {
        var parts = new List<string>();
        for (var d = 0; d < dossierCodes.Length; d++)
        {
            var name = dossierCodes[d] == A ? "A" : dossierCodes[d] == B ? "B" : $"D{d}";
            foreach (var item in await ItemsAsync(client, dossierCodes[d]))
            {
                if ((string?)item["state"] == "in_flight")
                {
                    return "in flight";
                }

                parts.Add($"{name}{(long)item["version"]!}:{(long)item["attempts"]!}");
            }
        }

        return string.Join(' ', parts);
    }

    private static string VietnamFormat(DateTimeOffset value) =>
        value.ToOffset(TimeSpan.FromHours(7)).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
}
