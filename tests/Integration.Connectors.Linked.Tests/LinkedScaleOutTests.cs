using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Integration.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;
using static Integration.Connectors.Linked.Tests.LinkedTestKit;

namespace Integration.Connectors.Linked.Tests;

/// <summary>
/// Linked processes run by real gateway processes on one PostgreSQL database: one killed with SIGKILL in the middle
/// of a step finishes the process after a restart, and two instances drain a batch of processes together, each
/// step sent once.
/// </summary>
public sealed class LinkedScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Sigkill_MidBirthRegistration_CompletesAfterRestartEachOperationEffectiveOnce()
    {
        var database = await TestServers.Postgres.CreateDatabaseAsync();
        // The registry's 5 s answer fits in one attempt, so the only repeat is the one after the restart.
        var settings = Settings(database);
        settings["Connectors:Linked:Resilience:AttemptTimeout"] = "00:00:07";
        settings["Connectors:Linked:Resilience:TotalTimeout"] = "00:00:07";
        settings["Connectors:Linked:LeaseDuration"] = "00:00:10";
        using var gateway = new GatewayProcess(settings);
        await gateway.StartAsync();
        using (var client = gateway.CreateClient(GatewayFactory.DeskKey))
        {
            // -CHAM: the registry takes 5 s to register the birth, then answers any repeat with 97 and the same result.
            var dossier = Dossier("-CHAM");
            var id = await CreateAsync(client, "births", Birth(dossier, Today()));
            await Eventually.TrueAsync(
                async () => (await GatewayFactory.WireMock.GetScenarioStatesAsync()).GetValueOrDefault("linked-hotich-khaisinh-cham") == "da-dang-ky",
                "the registry has the birth registration");

            gateway.Kill();
            Assert.Equal("in_progress", await StepStateAsync(database, id, "birth_registration")); // its answer never arrived
            Assert.Equal("running", await ProcessStateAsync(database, id));
            await gateway.StartAsync();

            using var restarted = gateway.CreateClient(GatewayFactory.DeskKey);
            var done = await WaitForAsync(restarted, id, "completed", TimeSpan.FromSeconds(60));

            // The registration was made once: every repeat after the restart carried the same maHoSo and was answered 97
            // (on a loaded machine an attempt may time out and be repeated once more; it is answered 97 as well).
            var answers = await AnswersAsync(Khaisinh, dossier);
            Assert.Equal("00", answers[0]);
            Assert.NotEmpty(answers.Skip(1));
            Assert.All(answers.Skip(1), a => Assert.Equal("97", a));
            Assert.True((long?)Step(done, "birth_registration")["attempts"] >= 2);
            Assert.Equal("001*******45", (string?)Step(done, "birth_registration")["result"]!["childIdNumberMasked"]);
            Assert.Equal(ChildId, (string?)Assert.Single(await SentAsync(ThuongTruDangKy, dossier))["soDinhDanh"]);
            Assert.Equal(ChildId, (string?)Assert.Single(await SentAsync(TheBhyt, dossier))["soDinhDanh"]);
            await Eventually.TrueAsync(async () => (await ProgressAsync(dossier)).Count == 3, "three progress updates at the portal");
            Assert.Equal(["1", "2", "3"], (await ProgressAsync(dossier)).Select(p => (string?)p["PhienBan"]).Order());
            output.WriteLine($"killed while the registry held the registration; after the restart: registry answers {string.Join(", ", answers)}; residence and insurance once each");
        }
    }

    [Fact]
    public async Task TwoInstances_DrainABatchTogether_EachStepSentOnce()
    {
        var database = await TestServers.Postgres.CreateDatabaseAsync();
        var settings = Settings(database);
        using var a = new GatewayProcess(settings);
        using var b = new GatewayProcess(settings);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        using var clientA = a.CreateClient(GatewayFactory.DeskKey);
        using var clientB = b.CreateClient(GatewayFactory.DeskKey);

        var processes = new List<(string Id, string Dossier, string Kind)>();
        for (var i = 0; i < 16; i++)
        {
            var client = i % 2 == 0 ? clientA : clientB;
            var dossier = Dossier();
            var kind = i % 4 < 2 ? "births" : "deaths";
            var body = kind == "births" ? Birth(dossier, Today()) : Death(dossier, Today());
            processes.Add((await CreateAsync(client, kind, body), dossier, kind));
        }

        await Eventually.TrueAsync(
            async () => await CountAsync(database, "SELECT COUNT(*) FROM linked_processes WHERE state = 'completed'") == processes.Count,
            "every process completed", TimeSpan.FromSeconds(90));

        var tokens = new HashSet<string>();
        foreach (var (_, dossier, kind) in processes)
        {
            var paths = kind == "births" ? new[] { Khaisinh, ThuongTruDangKy, TheBhyt } : [Khaitu, ThuongTruXoa, MaiTangPhi];
            foreach (var path in paths)
            {
                var calls = (await GatewayFactory.WireMock.FindRequestsAsync("POST", path))
                    .Where(r => (string?)r.BodyAsJson()!["maHoSo"] == dossier).ToList();
                Assert.True(calls.Count == 1, $"{dossier} {path}: {calls.Count} calls");
                tokens.Add(calls[0].Header("Authorization")!);
            }
        }

        // Each instance holds its own LGSP token: two tokens among the calls means both instances ran steps.
        Assert.Equal(2, tokens.Count);
        Assert.Equal(processes.Count * 3, await CountAsync(database, "SELECT COUNT(*) FROM linked_steps WHERE state = 'done'"));
        output.WriteLine($"{processes.Count} processes created alternately through two instances; {processes.Count * 3} steps, each sent once, by both instances");
    }

    private static Dictionary<string, string?> Settings(string database)
    {
        using var template = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = database });
        var settings = new Dictionary<string, string?>(template.BaseSettings(), StringComparer.OrdinalIgnoreCase)
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Connectors:Linked:PollInterval"] = "00:00:00.200",
            ["Connectors:Linked:LeaseDuration"] = "00:00:30",
            // A loaded test machine must not turn a slow answer into a repeat: each step is sent once here.
            ["Connectors:Linked:Resilience:AttemptTimeout"] = "00:00:10",
            ["Connectors:Linked:Resilience:TotalTimeout"] = "00:00:20",
            ["Connectors:Linked:RetryBaseDelay"] = "00:00:00.200",
            ["Connectors:Linked:MaxParallelism"] = "2",
            ["Connectors:NationalPortal:PullAtStart"] = "false",
            ["Connectors:NationalPortal:CatalogueSchedule"] = "0 0 0 1 1 ? 2099",
            ["Connectors:NationalPortal:AccountStatsSchedule"] = "0 0 0 1 1 ? 2099",
            ["Outbox:PollInterval"] = "00:00:00.200",
        };
        return settings;
    }

    private static async Task<string?> StepStateAsync(string database, string id, string step)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.ExecuteScalarAsync<string?>("SELECT state FROM linked_steps WHERE id = @id", new { id = id + ":" + step });
    }

    private static async Task<string?> ProcessStateAsync(string database, string id)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.ExecuteScalarAsync<string?>("SELECT state FROM linked_processes WHERE id = @id", new { id });
    }

    private static async Task<long> CountAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    /// <summary>The <c>maLoi</c> WireMock answered to each call on <paramref name="path"/> for <paramref name="dossierCode"/>, oldest first.</summary>
    private static async Task<List<string?>> AnswersAsync(string path, string dossierCode)
    {
        using var http = new HttpClient();
        var journal = await http.GetFromJsonAsync<JsonObject>(GatewayFactory.WireMock.Url("/__admin/requests"));
        return journal!["requests"]!.AsArray()
            .Select(e => e!.AsObject())
            .Where(e => (string?)e["request"]!["url"] == path && ((string?)e["request"]!["body"] ?? "").Contains(dossierCode, StringComparison.Ordinal))
            .OrderBy(e => (long?)e["request"]!["loggedDate"])
            .Select(e => (string?)JsonNode.Parse(ResponseBody(e["response"]!.AsObject()))!["maLoi"])
            .ToList();
    }

    private static string ResponseBody(JsonObject response) =>
        response["bodyAsBase64"] is JsonValue b64 && b64.TryGetValue<string>(out var encoded)
            ? Encoding.UTF8.GetString(Convert.FromBase64String(encoded))
            : (string?)response["body"] ?? "{}";
}
