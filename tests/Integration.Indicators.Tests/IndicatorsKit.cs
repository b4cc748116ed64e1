using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Testing;

namespace Integration.Indicators.Tests;

/// <summary>
/// A gateway with a small agency directory and a key with the <c>reports</c> scope, and the status
/// changes the one-stop system would send (through the real <c>PUT .../status</c> route).
/// </summary>
internal static class IndicatorsKit
{
    public const string ReportsKey = "test-reports-key";
    public const string Province = "000.00.21.H99";
    public const string District = "000.00.09.H99";
    public const string CommuneA = "000.21.09.H99";
    public const string CommuneC = "000.22.09.H99";
    public const string Unlisted = "000.99.99.H99";

    public static readonly TimeSpan Vn = TimeSpan.FromHours(7);

    public static GatewayFactory Create(bool postgres, TimeProvider time, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Clients:4:Name"] = "test-reports",
            ["Gateway:Clients:4:KeyHash"] = GatewayFactory.Sha256Hex(ReportsKey),
            ["Gateway:Clients:4:Scopes:0"] = "reports",
            ["Gateway:Clients:4:PermitPerMinute"] = "6000",
            ["Gateway:Clients:0:PermitPerMinute"] = "6000",
            ["Connectors:NationalPortal:PullAtStart"] = "false",
        };
        AddAgency(settings, 0, Province, "Sở Tư pháp", "province", "99");
        AddAgency(settings, 1, District, "UBND huyện Tân Phú", "district", "990");
        AddAgency(settings, 2, CommuneA, "UBND xã Tân Hòa", "commune", "99001");
        AddAgency(settings, 3, CommuneC, "UBND xã Đắk Ơ", "commune", "99002");
        foreach (var (k, v) in more ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        return new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres, Time = time, Settings = settings });
    }

    private static void AddAgency(Dictionary<string, string?> s, int i, string code, string name, string level, string locality)
    {
        s[$"Indicators:Agencies:{i}:Code"] = code;
        s[$"Indicators:Agencies:{i}:Name"] = name;
        s[$"Indicators:Agencies:{i}:Level"] = level;
        s[$"Indicators:Agencies:{i}:LocalityCode"] = locality;
    }

    /// <summary>A Vietnam local time in 2026.</summary>
    public static DateTimeOffset At(int month, int day, int hour = 8, int minute = 0) => new(2026, month, day, hour, minute, 0, Vn);

    public static async Task PutAsync(
        HttpClient desk, string dossier, long version, int status, DateTimeOffset changedAt, DateTimeOffset receivedAt, DateTimeOffset? dueAt,
        string agency, int channel, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var body = new JsonObject
        {
            ["procedureCode"] = "1.001193",
            ["status"] = status,
            ["version"] = version,
            ["changedAt"] = Iso(changedAt),
            ["receivedAt"] = Iso(receivedAt),
            ["agencyCode"] = agency,
            ["applicantName"] = "Nguyễn Văn An",
            ["applicantType"] = 1,
            ["channel"] = channel,
        };
        if (dueAt is { } due)
        {
            body["dueAt"] = Iso(due);
        }

        if (status == 10)
        {
            body["returnedAt"] = Iso(changedAt);
        }

        using var response = await desk.PutAsJsonAsync($"/api/v1/portal/dossiers/{dossier}/status", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"PUT {dossier} v{version}: {(int)response.StatusCode} {text}");
    }

    public static async Task<JsonObject> GetAsync(HttpClient reports, string path)
    {
        using var response = await reports.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static string Iso(DateTimeOffset value) => value.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>
    /// The hand-computed dataset of docs/indicators.md ("Worked example"): November 2026, agency A a commune
    /// with online dossiers, B a district, C a commune with none, and one agency missing from the directory.
    /// </summary>
    public static async Task SendNovemberAsync(HttpClient desk)
    {
        // D1: finished exactly at its due date (on time), then returned the next day (the finish time stays).
        await PutAsync(desk, "D1", 1, 2, At(11, 2), At(11, 2), At(11, 5, 17), CommuneA, 2);
        await PutAsync(desk, "D1", 2, 9, At(11, 5, 17), At(11, 2), At(11, 5, 17), CommuneA, 2);
        await PutAsync(desk, "D1", 3, 10, At(11, 6, 9), At(11, 2), At(11, 5, 17), CommuneA, 2);
        // A repeat of version 1 changes nothing.
        await PutAsync(desk, "D1", 1, 2, At(11, 2), At(11, 2), At(11, 5, 17), CommuneA, 2);
        // D2: late by one minute.
        await PutAsync(desk, "D2", 1, 2, At(11, 3), At(11, 3), At(11, 6, 17), CommuneA, 1);
        await PutAsync(desk, "D2", 2, 9, At(11, 6, 17, 1), At(11, 3), At(11, 6, 17), CommuneA, 1);
        // D3, D4, D5: closed without a result (rejected, withdrawn after its due date, stopped).
        await PutAsync(desk, "D3", 1, 3, At(11, 4, 10), At(11, 4), At(11, 7), District, 1);
        await PutAsync(desk, "D4", 1, 2, At(11, 5), At(11, 5), At(11, 10), District, 2);
        await PutAsync(desk, "D4", 2, 7, At(11, 12), At(11, 5), At(11, 10), District, 2);
        await PutAsync(desk, "D5", 1, 2, At(11, 6), At(11, 6), At(11, 12), District, 1);
        await PutAsync(desk, "D5", 2, 8, At(11, 8), At(11, 6), At(11, 12), District, 1);
        // D6: supplement requested, reopened with a new due date, finished before it (on time).
        await PutAsync(desk, "D6", 1, 2, At(11, 10), At(11, 10), At(11, 14), CommuneA, 2);
        await PutAsync(desk, "D6", 2, 5, At(11, 12), At(11, 10), At(11, 14), CommuneA, 2);
        await PutAsync(desk, "D6", 3, 4, At(11, 20), At(11, 10), At(11, 25, 17), CommuneA, 2);
        await PutAsync(desk, "D6", 4, 9, At(11, 24), At(11, 10), At(11, 25, 17), CommuneA, 2);
        // D7: received in October, finished in November (on time).
        await PutAsync(desk, "D7", 1, 2, At(10, 28), At(10, 28), At(11, 3, 17), District, 1);
        await PutAsync(desk, "D7", 2, 9, At(11, 2), At(10, 28), At(11, 3, 17), District, 1);
        // D8: received in November, due in November, finished in December (overdue at the end of November, late in December).
        await PutAsync(desk, "D8", 1, 2, At(11, 25), At(11, 25), At(11, 28, 17), CommuneA, 2);
        await PutAsync(desk, "D8", 2, 9, At(12, 2), At(11, 25), At(11, 28, 17), CommuneA, 2);
        // D9: still processing, past its due date. D10: open, due in December. D11: an agency outside the directory, no due date.
        await PutAsync(desk, "D9", 1, 4, At(11, 20), At(11, 20), At(11, 27, 17), District, 1);
        await PutAsync(desk, "D10", 1, 2, At(11, 28), At(11, 28), At(12, 5, 17), District, 2);
        await PutAsync(desk, "D11", 1, 1, At(11, 15), At(11, 15), null, Unlisted, 1);
    }
}

/// <summary>A gateway holding the November dataset, the clock on 10 December 2026, 09:00 Vietnam time.</summary>
internal sealed class NovemberGateway : IDisposable
{
    private NovemberGateway(GatewayFactory factory)
    {
        Factory = factory;
        Reports = factory.CreateClient(IndicatorsKit.ReportsKey);
    }

    public GatewayFactory Factory { get; }

    public HttpClient Reports { get; }

    public static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 12, 10, 9, 0, 0, IndicatorsKit.Vn));

    public static async Task<NovemberGateway> StartAsync(bool postgres)
    {
        var gateway = new NovemberGateway(IndicatorsKit.Create(postgres, Clock()));
        using var desk = gateway.Factory.CreateClient(GatewayFactory.DeskKey);
        await IndicatorsKit.SendNovemberAsync(desk);
        return gateway;
    }

    public void Dispose()
    {
        Reports.Dispose();
        Factory.Dispose();
    }
}
