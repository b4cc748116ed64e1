using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Core.Audit;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Connectors.Linked.Tests.LinkedTestKit;

namespace Integration.Connectors.Linked.Tests;

/// <summary>Linked processes end to end: the host's API, the store, the worker, the mock national systems and the portal.</summary>
public sealed class LinkedProcessTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Birth_AllSystemsAccept_CompletesAndDownstreamStepsGetTheChildsNewIdNumber(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier();

        var (response, created) = await PostAsync(client, "/api/v1/linked/births", Birth(dossier, Today()), "birth-" + dossier);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("birth", (string?)created["kind"]);
        Assert.Equal(["birth_registration", "permanent_residence", "health_insurance_card"], created["steps"]!.AsArray().Select(s => (string?)s!["name"]));
        Assert.Equal("waiting", (string?)Step(created, "permanent_residence")["state"]);
        Assert.EndsWith("/api/v1/linked/" + (string?)created["linkedId"], response.Headers.Location!.ToString());

        var done = await WaitForAsync(client, (string)created["linkedId"]!, "completed");
        var birth = Step(done, "birth_registration")["result"]!;
        Assert.Equal("KS-2026-000123", (string?)birth["registrationNumber"]);
        Assert.Equal("2026-11-25", (string?)birth["registeredOn"]);
        Assert.Equal("001*******45", (string?)birth["childIdNumberMasked"]);
        Assert.DoesNotContain(ChildId, done.ToJsonString());
        Assert.Equal("HK-00123-2026", (string?)Step(done, "permanent_residence")["result"]!["householdCode"]);
        var card = Step(done, "health_insurance_card")["result"]!;
        Assert.Equal("TE1010126012345", (string?)card["cardNumber"]);
        Assert.Equal("2032-11-24", (string?)card["validTo"]);

        // The first step's answer (the child's new personal ID number) fed both downstream steps, once each.
        var registration = Assert.Single(await SentAsync(Khaisinh, dossier));
        Assert.Equal(MotherId, (string?)registration["me"]!["soDinhDanh"]);
        Assert.Equal(1, (int?)registration["tre"]!["gioiTinh"]);
        var residence = Assert.Single(await SentAsync(ThuongTruDangKy, dossier));
        Assert.Equal(ChildId, (string?)residence["soDinhDanh"]);
        Assert.Equal(HeadId, (string?)residence["soDinhDanhChuHo"]);
        Assert.Equal("00004", (string?)residence["diaChi"]!["maXa"]);
        var insurance = Assert.Single(await SentAsync(TheBhyt, dossier));
        Assert.Equal(ChildId, (string?)insurance["soDinhDanh"]);
        Assert.Equal("01024", (string?)insurance["maCoSoKCB"]);
        Assert.Equal(Today().AddDays(-10).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), (string?)insurance["ngaySinh"]);

        // Each finished step became a progress update on the national portal, numbered in the order they finished.
        await Eventually.TrueAsync(async () => (await ProgressAsync(dossier)).Count == 3, "three progress updates at the portal");
        var progress = await ProgressAsync(dossier);
        Assert.Equal(["1", "2", "3"], progress.Select(p => (string?)p["PhienBan"]).Order());
        Assert.Contains("KS-2026-000123", (string?)progress.Single(p => (string?)p["PhienBan"] == "1")["NoiDungXuLy"]);
        Assert.DoesNotContain(progress, p => p.ToJsonString().Contains(ChildId, StringComparison.Ordinal));

        // Stored encrypted: neither the request's ID numbers nor the child's new one sit in the store in clear.
        var store = factory.Services.GetRequiredService<GatewayStore>();
        await using var connection = await store.OpenAsync();
        var stored = string.Join("\n", await connection.QueryAsync<string>(
            "SELECT request_data FROM linked_processes UNION ALL SELECT COALESCE(result, '') FROM linked_steps"));
        Assert.DoesNotContain(ChildId, stored);
        Assert.DoesNotContain(MotherId, stored);
        Assert.DoesNotContain("Trần Thị Lan", stored);
        await Eventually.TrueAsync(async () => (await AuditAsync(factory)).Any(r => r.Action == "linked.health_insurance_card"), "audit rows written");
        var audit = await AuditAsync(factory);
        Assert.Contains(audit, r => r.Action == "linked.birth_registration" && r.SubjectMasked == "001*******45" && r.Result == "done" && r.Client == "linked:test-desk");
        Assert.DoesNotContain(audit, r => (r.SubjectMasked ?? "").Contains(ChildId, StringComparison.Ordinal) || (r.Purpose ?? "").Any(char.IsDigit) && (r.Purpose ?? "").Contains(MotherId, StringComparison.Ordinal));
        Assert.DoesNotContain(ChildId, string.Join("\n", factory.Logs.Lines));
        Assert.DoesNotContain(MotherId, string.Join("\n", factory.Logs.Lines));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Death_AllSystemsAccept_CompletesAndDownstreamStepsGetTheDeathRegistrationNumber(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier();

        var done = await WaitForAsync(client, await CreateAsync(client, "deaths", Death(dossier, Today())), "completed");

        Assert.Equal("KT-2026-000045", (string?)Step(done, "death_registration")["result"]!["registrationNumber"]);
        Assert.Equal(18_000_000, (long?)Step(done, "funeral_allowance")["result"]!["amount"]);
        Assert.Equal("QD-MTP-2026-0077", (string?)Step(done, "funeral_allowance")["result"]!["decisionNumber"]);
        Assert.Equal(["death_registration"], Step(done, "residence_removal")["dependsOn"]!.AsArray().Select(d => (string?)d));
        var removal = Assert.Single(await SentAsync(ThuongTruXoa, dossier));
        Assert.Equal("KT-2026-000045", (string?)removal["soDangKyKhaiTu"]);
        Assert.Equal("CHET", (string?)removal["lyDo"]);
        Assert.Equal(DeceasedId, (string?)removal["soDinhDanh"]);
        var allowance = Assert.Single(await SentAsync(MaiTangPhi, dossier));
        Assert.Equal("KT-2026-000045", (string?)allowance["soDangKyKhaiTu"]);
        Assert.Equal("101875123456", (string?)allowance["nguoiNhan"]!["soTaiKhoan"]);
        Assert.Equal("970415", (string?)allowance["nguoiNhan"]!["maNganHang"]);
        Assert.Single(await SentAsync(Khaitu, dossier));
        Assert.DoesNotContain(DeceasedId, done.ToJsonString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Birth_SystemsAnswer97ForAKnownDossier_CountsAsDoneWithTheSameResult(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier("-LAP");

        var done = await WaitForAsync(client, await CreateAsync(client, "births", Birth(dossier, Today())), "completed");

        Assert.Equal("001*******45", (string?)Step(done, "birth_registration")["result"]!["childIdNumberMasked"]);
        Assert.Equal(ChildId, (string?)Assert.Single(await SentAsync(TheBhyt, dossier))["soDinhDanh"]);
        Assert.All(done["steps"]!.AsArray(), s => Assert.Equal(1, (long)s!["attempts"]!));
        Assert.Contains("the system already had it", string.Join("\n", factory.Logs.Lines));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Birth_SocialInsuranceAnswers503Once_StepRetriedAfterBackoffAndCompletes(bool postgres)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(postgres, time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier("-TAM");
        // Only social insurance fails: the registry's and residence's one-off 503s for -TAM are used up.
        await GatewayFactory.WireMock.SetScenarioStateAsync("linked-hotich-khaisinh", "da-thu-lai");
        await GatewayFactory.WireMock.SetScenarioStateAsync("linked-cutru-dangky", "da-thu-lai");

        var id = await CreateAsync(client, "births", Birth(dossier, Today(time)));
        await Eventually.TrueAsync(async () => (long?)Step(await GetAsync(client, id), "health_insurance_card")["attempts"] == 1
            && (string?)Step(await GetAsync(client, id), "health_insurance_card")["state"] == "queued", "first attempt failed");
        var waiting = await GetAsync(client, id);
        var card = Step(waiting, "health_insurance_card");
        Assert.Contains("503", (string?)card["lastError"]);
        Assert.Equal(time.GetUtcNow().AddSeconds(10), DateTimeOffset.Parse((string)card["nextAttemptAt"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("running", (string?)waiting["state"]);
        await WaitForStepAsync(client, id, "permanent_residence", "done"); // the other branch does not wait for it
        Assert.Single(await SentAsync(TheBhyt, dossier));

        time.Advance(TimeSpan.FromSeconds(10));
        var done = await WaitForAsync(client, id, "completed");

        Assert.Equal(2, (long?)Step(done, "health_insurance_card")["attempts"]);
        Assert.Equal(2, (await SentAsync(TheBhyt, dossier)).Count);
        Assert.Single(await SentAsync(Khaisinh, dossier));
        Assert.Single(await SentAsync(ThuongTruDangKy, dossier));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Birth_RegistryRefusesTheMother_NeedsAttentionWithItsMessageAndNoDependentCall_ThenCorrectionAndRetryComplete(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var dossier = Dossier();
        var body = Birth(dossier, Today());
        body["mother"]!["idNumber"] = UnknownMotherId;

        var id = await CreateAsync(client, "births", body);
        var stuck = await WaitForAsync(client, id, "needs_attention");

        var refused = Step(stuck, "birth_registration");
        Assert.Equal("failed", (string?)refused["state"]);
        Assert.Contains("Số định danh cá nhân của người mẹ không có trong Cơ sở dữ liệu quốc gia về dân cư", (string?)refused["lastError"]);
        Assert.Contains("05", (string?)refused["lastError"]);
        Assert.Equal(1, (long?)refused["attempts"]);
        Assert.Equal("waiting", (string?)Step(stuck, "permanent_residence")["state"]);
        Assert.Equal("waiting", (string?)Step(stuck, "health_insurance_card")["state"]);
        Assert.Empty(await SentAsync(ThuongTruDangKy, dossier));
        Assert.Empty(await SentAsync(TheBhyt, dossier));

        // Operators see it in the attention list and as a step needing attention on the connector.
        var attention = JsonNode.Parse(await ops.GetStringAsync("/api/v1/linked/attention"))!.AsArray();
        Assert.Contains(attention, p => (string?)p!["linkedId"] == id);
        var connectors = JsonNode.Parse(await ops.GetStringAsync("/api/v1/connectors"))!.ToJsonString();
        Assert.Contains("\"Linked\"", connectors);

        // A field of another step cannot be corrected here; a bad correction is a 400 and changes nothing.
        using (var wrong = await client.PostAsync($"/api/v1/linked/{id}/steps/birth_registration/retry",
            System.Net.Http.Json.JsonContent.Create(new JsonObject { ["funeral"] = new JsonObject() })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        using (var bad = await client.PostAsync($"/api/v1/linked/{id}/steps/birth_registration/retry",
            System.Net.Http.Json.JsonContent.Create(new JsonObject { ["mother"] = new JsonObject { ["idNumber"] = "12345" } })))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("mother.idNumber", await bad.Content.ReadAsStringAsync());
        }

        using var retry = await client.PostAsync($"/api/v1/linked/{id}/steps/birth_registration/retry",
            System.Net.Http.Json.JsonContent.Create(new JsonObject { ["mother"] = new JsonObject { ["idNumber"] = MotherId } }));
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        var done = await WaitForAsync(client, id, "completed");

        var sent = await SentAsync(Khaisinh, dossier);
        Assert.Equal([UnknownMotherId, MotherId], sent.Select(b => (string?)b["me"]!["soDinhDanh"]));
        Assert.Equal("Trần Thị Lan", (string?)sent[1]["me"]!["hoTen"]);
        Assert.Equal(ChildId, (string?)Assert.Single(await SentAsync(ThuongTruDangKy, dossier))["soDinhDanh"]);
        Assert.Null(Step(done, "birth_registration")["nextAttemptAt"]);
        Assert.DoesNotContain(JsonNode.Parse(await ops.GetStringAsync("/api/v1/linked/attention"))!.AsArray(), p => (string?)p!["linkedId"] == id);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Death_ResidenceRefuses_OtherBranchFinishesThenOfficerCancels(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier();

        var id = await CreateAsync(client, "deaths", Death(dossier, Today(), DeceasedWithoutResidence));
        await WaitForStepAsync(client, id, "funeral_allowance", "done");
        var stuck = await WaitForAsync(client, id, "needs_attention");

        Assert.Equal("failed", (string?)Step(stuck, "residence_removal")["state"]);
        Assert.Contains("Người mất không có đăng ký thường trú tại địa phương", (string?)Step(stuck, "residence_removal")["lastError"]);
        Assert.Equal("done", (string?)Step(stuck, "death_registration")["state"]);

        using var cancel = await client.PostAsync($"/api/v1/linked/{id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await GetAsync(client, id);
        Assert.Equal("cancelled", (string?)cancelled["state"]);
        Assert.Equal("cancelled", (string?)Step(cancelled, "residence_removal")["state"]);
        Assert.Equal("done", (string?)Step(cancelled, "funeral_allowance")["state"]);

        using var retry = await client.PostAsync($"/api/v1/linked/{id}/steps/residence_removal/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        Assert.Single(await SentAsync(ThuongTruXoa, dossier));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_IdempotencyKey_SameBodySameProcessOtherBody422Missing400(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier();
        var key = "key-" + dossier;
        var body = Death(dossier, Today());

        var (first, a) = await PostAsync(client, "/api/v1/linked/deaths", body, key);
        var (second, b) = await PostAsync(client, "/api/v1/linked/deaths", body, key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal((string?)a["linkedId"], (string?)b["linkedId"]);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());

        var other = Death(dossier, Today());
        other["deceased"]!["placeOfDeath"] = "Bệnh viện Bạch Mai";
        var (reused, problem) = await PostAsync(client, "/api/v1/linked/deaths", other, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("idempotency_key_reused", (string?)problem["code"]);
        Assert.Equal("This Idempotency-Key was used with another request.", (string?)problem["title"]);

        var (missing, missingProblem) = await PostAsync(client, "/api/v1/linked/deaths", Death(Dossier(), Today()), null);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("idempotency_key_missing", (string?)missingProblem["code"]);
        Assert.Equal("Idempotency-Key", (string?)missingProblem["errors"]![0]!["field"]);

        var (again, againProblem) = await PostAsync(client, "/api/v1/linked/deaths", body, "another-key-" + dossier);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("linked_process_exists", (string?)againProblem["code"]);
        Assert.Equal($"Dossier {dossier} is process {a["linkedId"]}; read it with GET /api/v1/linked/{a["linkedId"]}.", (string?)againProblem["detail"]);

        await WaitForAsync(client, (string)a["linkedId"]!, "completed");
        Assert.Single(await SentAsync(Khaitu, dossier));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Create_BadFields_400NamingEachFieldNothingStoredNoUpstreamCall(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var dossier = Dossier();
        var birth = Birth(dossier, Today());
        birth["child"]!["sex"] = 3;
        birth["child"]!["dateOfBirth"] = Today().AddDays(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        birth["mother"]!["idNumber"] = FatherId; // a man's number
        birth["requester"]!["idNumber"] = "00108801234";
        birth["residence"]!["communeCode"] = "4";
        birth["healthInsurance"]!["facilityCode"] = null;
        var death = Death(dossier, Today());
        death["deceased"]!["dateOfDeath"] = "25/11/2026";
        death["funeral"]!["recipient"]!["bankBin"] = "12345";
        death["funeral"]!["recipient"]!["accountNumber"] = "12-34";
        death["requester"] = null;

        var (b, birthProblem) = await PostAsync(client, "/api/v1/linked/births", birth, "bad-birth-" + dossier);
        var (d, deathProblem) = await PostAsync(client, "/api/v1/linked/deaths", death, "bad-death-" + dossier);

        Assert.Equal(HttpStatusCode.BadRequest, b.StatusCode);
        Assert.Equal(
            ["child.sex", "child.dateOfBirth", "mother.idNumber", "requester.idNumber", "residence.communeCode", "healthInsurance.facilityCode"],
            birthProblem["errors"]!.AsArray().Select(e => (string?)e!["field"]));
        Assert.Equal(HttpStatusCode.BadRequest, d.StatusCode);
        Assert.Equal(
            ["deceased.dateOfDeath", "requester", "funeral.recipient.bankBin", "funeral.recipient.accountNumber"],
            deathProblem["errors"]!.AsArray().Select(e => (string?)e!["field"]));
        Assert.DoesNotContain(FatherId, birthProblem.ToJsonString());

        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(hotich|cutru|bhxh|trocap|lgsp)/.*", regex: true));
        var store = factory.Services.GetRequiredService<GatewayStore>();
        await using var connection = await store.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM linked_processes"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Routes_WithoutLinkedScopeOrUnknownIds_AreRefused(bool postgres)
    {
        using var factory = Create(postgres);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);

        var (forbidden, _) = await PostAsync(ops, "/api/v1/linked/births", Birth(Dossier(), Today()), "k");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var attention = await desk.GetAsync("/api/v1/linked/attention");
        Assert.Equal(HttpStatusCode.Forbidden, attention.StatusCode);
        using var unknown = await desk.GetAsync("/api/v1/linked/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var notAnId = await desk.PostAsync("/api/v1/linked/not-an-id/cancel", null);
        Assert.Equal(HttpStatusCode.NotFound, notAnId.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refusals_EachCase_AnswerTheirStatusCodeTitleAndDetail(bool postgres)
    {
        using var factory = Create(postgres);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var dossier = Dossier();
        var id = await CreateAsync(client, "deaths", Death(dossier, Today()));
        await WaitForAsync(client, id, "completed");
        const string Invalid = "The request is not valid.";

        await AssertProblemAsync(await SendAsync(client, "/api/v1/linked/deaths", Death(Dossier(), Today()), "bad key"),
            400, "invalid_field", Invalid, "The Idempotency-Key must be 1-200 visible ASCII characters.", "Idempotency-Key");
        await AssertProblemAsync(await SendAsync(client, "/api/v1/linked/births", null, "null-body-" + dossier),
            400, "missing_field", Invalid, "A JSON body is required.", "body");
        await AssertProblemAsync(await ops.GetAsync("/api/v1/linked/attention?limit=0"),
            400, "invalid_field", Invalid, "limit must be between 1 and 500.", "limit");
        await AssertProblemAsync(await SendAsync(client, $"/api/v1/linked/{id}/steps/burial/retry", null, null),
            404, "not_found", "No such step.", "A death process has the steps death_registration, residence_removal, funeral_allowance.");
        await AssertProblemAsync(await SendAsync(client, $"/api/v1/linked/{id}/steps/death_registration/retry", new JsonObject { ["funeral"] = new JsonObject() }, null),
            400, "invalid_field", Invalid, "funeral cannot be corrected on step death_registration; it takes deceased, requester.", "funeral");
        await AssertProblemAsync(await SendAsync(client, $"/api/v1/linked/{id}/steps/death_registration/retry", new JsonObject { ["deceased"] = new JsonObject { ["fullName"] = 5 } }, null),
            400, "invalid_field_type", Invalid, "deceased.fullName has the wrong type.", "deceased.fullName");
        await AssertProblemAsync(await SendAsync(client, $"/api/v1/linked/{id}/steps/death_registration/retry", null, null),
            409, "step_not_retryable", "This step cannot be retried now.",
            "Only a failed step (or one waiting for its next attempt) of a process that is not cancelled can be retried.");
        await AssertProblemAsync(await SendAsync(client, $"/api/v1/linked/{id}/cancel", null, null),
            409, "process_completed", "A completed process cannot be cancelled.", null);
        await AssertProblemAsync(await client.GetAsync("/api/v1/linked/0123456789abcdef0123456789abcdef"),
            404, "not_found", "No linked process has this id.", null);
        await AssertProblemAsync(await SendAsync(client, "/api/v1/linked/not-an-id/steps/death_registration/retry", null, null),
            404, "not_found", "No linked process has this id.", null);
        Assert.Single(await SentAsync(Khaitu, dossier));

        // The connector itself says why, as a typed error; only the host turns it into an HTTP answer.
        var linked = factory.Services.GetRequiredService<ILinkedProcedures>();
        Assert.IsType<LinkedError.ProcessCompleted>((await linked.CancelAsync(id, CancellationToken.None)).Error);
        var step = Assert.IsType<LinkedError.StepNotFound>((await linked.RetryStepAsync(id, "burial", null, CancellationToken.None)).Error);
        Assert.Equal(["death_registration", "residence_removal", "funeral_allowance"], step.Steps);
        Assert.IsType<LinkedError.IdempotencyKeyMissing>((await linked.CreateDeathAsync("desk", " ", null, CancellationToken.None)).Error);
        var invalid = Assert.IsType<LinkedError.Invalid>((await linked.CreateDeathAsync("desk", "k-" + dossier, null, CancellationToken.None)).Error);
        Assert.Equal("body", Assert.Single(invalid.Errors).Field);
        Assert.IsType<LinkedError.ProcessNotFound>((await linked.GetAsync("not-an-id", CancellationToken.None)).Error);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, JsonObject? body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? new StringContent("null", System.Text.Encoding.UTF8, "application/json") : System.Net.Http.Json.JsonContent.Create(body),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, int status, string code, string title, string? detail, string? field = null)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            var problem = JsonNode.Parse(text)!.AsObject();
            Assert.True((int)response.StatusCode == status, $"{(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(code, (string?)problem["code"]);
            Assert.Equal(title, (string?)problem["title"]);
            Assert.Equal(detail, (string?)problem["detail"]);
            Assert.Equal(status, (int?)problem["status"]);
            if (field is null)
            {
                Assert.Null(problem["errors"]);
            }
            else
            {
                var error = Assert.Single(problem["errors"]!.AsArray())!;
                Assert.Equal(field, (string?)error["field"]);
                Assert.Equal(code, (string?)error["code"]);
            }
        }
    }

    private static async Task WaitForStepAsync(HttpClient client, string id, string step, string state) =>
        await Eventually.TrueAsync(async () => (string?)Step(await GetAsync(client, id), step)["state"] == state, $"{step} {state}");

    private static async Task<IReadOnlyList<AuditLog.Row>> AuditAsync(GatewayFactory factory) =>
        await factory.Services.GetRequiredService<AuditLog>().ReadRecentAsync(200);
}
