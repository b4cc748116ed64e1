using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Testing;

namespace Integration.Connectors.Linked.Tests;

/// <summary>Builds gateways for the linked-procedure tests, the dossiers they send, and reads what reached the mock systems.</summary>
internal static class LinkedTestKit
{
    public const string ChildId = "001226012345";
    public const string MotherId = "001190012345";
    public const string UnknownMotherId = "001190000404";
    public const string FatherId = "001088012345";
    public const string HeadId = "001060012345";
    public const string DeceasedId = "001050012345";
    public const string DeceasedWithoutResidence = "001050000505";
    public const string RecipientId = "001075012345";

    public const string Khaisinh = "/hotich/api/khaisinh";
    public const string Khaitu = "/hotich/api/khaitu";
    public const string ThuongTruDangKy = "/cutru/api/thuongtru/dangky";
    public const string ThuongTruXoa = "/cutru/api/thuongtru/xoa";
    public const string TheBhyt = "/bhxh/api/the-bhyt/tre-em";
    public const string MaiTangPhi = "/trocap/api/mai-tang-phi";

    /// <summary>
    /// A gateway whose steps are retried after 200 ms (10 s on a manual clock, where the pipeline must not retry:
    /// its delays would wait on that clock), with no catalogue or statistics pulls.
    /// </summary>
    public static GatewayFactory Create(bool postgres = false, FakeTimeProvider? time = null, IDictionary<string, string?>? settings = null)
    {
        var s = new Dictionary<string, string?>
        {
            ["Connectors:Linked:PollInterval"] = time is null ? "00:00:00.500" : "00:00:01",
            ["Connectors:Linked:RetryBaseDelay"] = time is null ? "00:00:00.200" : "00:00:10",
            ["Connectors:Linked:RetryMaxDelay"] = "00:01:00",
            ["Connectors:NationalPortal:PullAtStart"] = "false",
            ["Connectors:NationalPortal:CatalogueSchedule"] = "0 0 0 1 1 ? 2099",
            ["Connectors:NationalPortal:AccountStatsSchedule"] = "0 0 0 1 1 ? 2099",
            ["Outbox:PollInterval"] = "00:00:01",
        };
        if (time is not null)
        {
            s["Connectors:Linked:Resilience:MaxRetryAttempts"] = "0";
            s["Connectors:NationalPortal:Resilience:MaxRetryAttempts"] = "0";
        }

        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            s[k] = v;
        }

        return new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres, Time = time, Settings = s });
    }

    /// <summary>A dossier code unique to this run, with <paramref name="marker"/> (e.g. <c>-LAP</c>) for the mocks.</summary>
    public static string Dossier(string marker = "") =>
        $"000.21.09.H99-{Guid.NewGuid().ToString("N")[..8].ToUpperInvariant()}{marker}";

    public static JsonObject Birth(string dossierCode, DateOnly today) => new()
    {
        ["dossierCode"] = dossierCode,
        ["child"] = new JsonObject
        {
            ["fullName"] = "Nguyễn Minh Khang",
            ["sex"] = 1,
            ["dateOfBirth"] = today.AddDays(-10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["placeOfBirth"] = "Bệnh viện Phụ sản Hà Nội",
            ["ethnicity"] = "Kinh",
            ["nationality"] = "Việt Nam",
        },
        ["mother"] = new JsonObject { ["fullName"] = "Trần Thị Lan", ["idNumber"] = MotherId },
        ["father"] = new JsonObject { ["fullName"] = "Nguyễn Văn Hùng", ["idNumber"] = FatherId },
        ["requester"] = new JsonObject { ["fullName"] = "Nguyễn Văn Hùng", ["idNumber"] = FatherId, ["relation"] = "cha" },
        ["residence"] = new JsonObject { ["headIdNumber"] = HeadId, ["relationToHead"] = "cháu", ["communeCode"] = "00004", ["address"] = "Số 12 ngõ 34 phố Đội Cấn" },
        ["healthInsurance"] = new JsonObject { ["communeCode"] = "00004", ["facilityCode"] = "01024" },
    };

    public static JsonObject Death(string dossierCode, DateOnly today, string deceasedId = DeceasedId) => new()
    {
        ["dossierCode"] = dossierCode,
        ["deceased"] = new JsonObject
        {
            ["fullName"] = "Lê Văn Bình",
            ["idNumber"] = deceasedId,
            ["dateOfDeath"] = today.AddDays(-3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["placeOfDeath"] = "Tại nhà riêng, phường Đội Cấn",
        },
        ["requester"] = new JsonObject { ["fullName"] = "Lê Thị Hoa", ["idNumber"] = RecipientId, ["relation"] = "con" },
        ["funeral"] = new JsonObject
        {
            ["recipient"] = new JsonObject { ["fullName"] = "Lê Thị Hoa", ["idNumber"] = RecipientId, ["bankBin"] = "970415", ["accountNumber"] = "101875123456" },
        },
    };

    public static DateOnly Today(TimeProvider? time = null) =>
        DateOnly.FromDateTime((time ?? TimeProvider.System).GetUtcNow().ToOffset(TimeSpan.FromHours(7)).DateTime);

    public static async Task<(HttpResponseMessage Response, JsonObject Body)> PostAsync(HttpClient client, string path, JsonObject body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>Creates a process (202) and returns its id.</summary>
    public static async Task<string> CreateAsync(HttpClient client, string kind, JsonObject body)
    {
        var (response, answer) = await PostAsync(client, $"/api/v1/linked/{kind}", body, Guid.NewGuid().ToString("N"));
        using (response)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"POST {kind}: {(int)response.StatusCode} {answer}");
            return (string)answer["linkedId"]!;
        }
    }

    public static async Task<JsonObject> GetAsync(HttpClient client, string linkedId) =>
        JsonNode.Parse(await client.GetStringAsync($"/api/v1/linked/{linkedId}"))!.AsObject();

    /// <summary>Waits until the process reaches <paramref name="state"/> and returns it.</summary>
    public static async Task<JsonObject> WaitForAsync(HttpClient client, string linkedId, string state, TimeSpan? timeout = null)
    {
        JsonObject? last = null;
        await Eventually.TrueAsync(async () => (string?)(last = await GetAsync(client, linkedId))["state"] == state, $"process {linkedId} {state} (last: {last})", timeout ?? TimeSpan.FromSeconds(30));
        return last!;
    }

    public static JsonObject Step(JsonObject process, string name) =>
        process["steps"]!.AsArray().Select(s => s!.AsObject()).Single(s => (string?)s["name"] == name);

    /// <summary>The bodies sent to <paramref name="path"/> for <paramref name="dossierCode"/> (its maHoSo), oldest first.</summary>
    public static async Task<List<JsonObject>> SentAsync(string path, string dossierCode) =>
        (await GatewayFactory.WireMock.FindRequestsAsync("POST", path))
            .Select(r => r.BodyAsJson()!.AsObject())
            .Where(b => (string?)b["maHoSo"] == dossierCode)
            .ToList();

    /// <summary>The progress updates (CapNhatTienDoHoSoMC) the portal received for <paramref name="dossierCode"/>.</summary>
    public static async Task<List<JsonObject>> ProgressAsync(string dossierCode) =>
        (await GatewayFactory.WireMock.FindRequestsAsync("POST", "/portal/integration"))
            .Select(r => r.BodyAsJson()!.AsObject())
            .Where(b => (string?)b["service"] == "CapNhatTienDoHoSoMC")
            .Select(b => b["data"]!.AsArray()[0]!.AsObject())
            .Where(d => (string?)d["MaHoSo"] == dossierCode)
            .ToList();
}
