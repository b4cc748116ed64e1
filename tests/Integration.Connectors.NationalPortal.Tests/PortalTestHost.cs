using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Testing;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>Builds gateways for the portal tests and reads what reached the mock portal.</summary>
internal static class PortalTestHost
{
    public const string OutageScenario = "portal-outage";

    /// <summary>
    /// A gateway whose outbox retries after 10 s, 20 s, 40 s, 60 s (on <paramref name="time"/>), gives up after 5
    /// attempts, and sends each portal call once (no pipeline retries, whose delays would wait on the manual clock).
    /// The Quartz jobs run only when a test triggers them.
    /// </summary>
    public static GatewayFactory Create(
        FakeTimeProvider? time = null,
        bool postgres = false,
        string? storeConnectionString = null,
        IDictionary<string, string?>? settings = null)
    {
        var s = new Dictionary<string, string?>
        {
            ["Connectors:NationalPortal:Resilience:MaxRetryAttempts"] = "0",
            ["Connectors:NationalPortal:PullAtStart"] = "false",
            ["Connectors:NationalPortal:CatalogueSchedule"] = "0 0 0 1 1 ? 2099",
            ["Connectors:NationalPortal:AccountStatsSchedule"] = "0 0 0 1 1 ? 2099",
            ["Outbox:PollInterval"] = "00:00:01",
            ["Outbox:RetryBaseDelay"] = "00:00:10",
            ["Outbox:RetryMaxDelay"] = "00:01:00",
            ["Outbox:MaxAttempts"] = "5",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            s[k] = v;
        }

        return new GatewayFactory(new GatewayFactoryOptions
        {
            Time = time,
            Postgres = postgres,
            StoreConnectionString = storeConnectionString,
            Settings = s,
        });
    }

    /// <summary>A valid status change at <paramref name="now"/>: received two days ago, due in three.</summary>
    public static Dictionary<string, object?> Change(long version, int status, DateTimeOffset now, string procedureCode = "1.900101")
    {
        return new Dictionary<string, object?>
        {
            ["procedureCode"] = procedureCode,
            ["procedureName"] = "Đăng ký khai sinh",
            ["status"] = status,
            ["version"] = version,
            ["changedAt"] = Iso(now),
            ["receivedAt"] = Iso(now.AddDays(-2)),
            ["dueAt"] = Iso(now.AddDays(3)),
            ["agencyCode"] = "000.21.09.H99",
            ["applicantName"] = "Nguyễn Thị Thử",
            ["applicantType"] = 1,
            ["channel"] = 2,
        };
    }

    public static string Iso(DateTimeOffset value) => value.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    public static async Task<JsonObject> PutStatusAsync(HttpClient client, string dossierCode, object change)
    {
        using var response = await client.PutAsJsonAsync($"/api/v1/portal/dossiers/{dossierCode}/status", change);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"PUT {dossierCode}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> SyncAsync(HttpClient client, string dossierCode)
    {
        using var response = await client.GetAsync($"/api/v1/portal/dossiers/{dossierCode}/sync");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET sync {dossierCode}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<List<JsonObject>> ItemsAsync(HttpClient client, string dossierCode) =>
        (await SyncAsync(client, dossierCode))["items"]!.AsArray().Select(i => i!.AsObject()).ToList();

    /// <summary>True when every version of every dossier has reached <paramref name="state"/>.</summary>
    public static async Task<bool> AllAsync(HttpClient client, string state, params string[] dossierCodes)
    {
        foreach (var code in dossierCodes)
        {
            if ((await ItemsAsync(client, code)).Any(i => (string?)i["state"] != state))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>integration</c> calls in WireMock's journal, oldest first.</summary>
    public static async Task<List<IntegrationCall>> IntegrationCallsAsync()
    {
        var requests = await GatewayFactory.WireMock.FindRequestsAsync("POST", "/portal/integration");
        return requests.Select(r =>
        {
            var body = r.BodyAsJson()!.AsObject();
            var data = body["data"]!.AsArray()[0]!.AsObject();
            return new IntegrationCall(
                (string)body["service"]!,
                (string)body["session"]!,
                (string?)body["isUpdating"],
                (string)data["MaHoSo"]!,
                long.Parse((string)data["PhienBan"]!, CultureInfo.InvariantCulture),
                data);
        }).ToList();
    }

    public static Task<int> LoginsAsync() => GatewayFactory.WireMock.CountRequestsAsync("POST", "/portal/auth");

    public static Task SetOutageAsync(string state) => GatewayFactory.WireMock.SetScenarioStateAsync(OutageScenario, state);
}

internal sealed record IntegrationCall(string Service, string Session, string? IsUpdating, string DossierCode, long Version, JsonObject Data);
