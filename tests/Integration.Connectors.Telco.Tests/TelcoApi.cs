using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Testing;

namespace Integration.Connectors.Telco.Tests;

/// <summary>The test citizens and numbers of mocks/TEST-DATA.md ("Telco"), and calls to the subscriber-check endpoint.</summary>
internal static class TelcoApi
{
    public const string Path = "/api/v1/telco/subscriber-checks";

    /// <summary>Citizen A: owner of most test numbers.</summary>
    public const string CitizenA = "001085012345";

    /// <summary>Citizen B: owner of the "someone else's" numbers.</summary>
    public const string CitizenB = "079192004567";

    /// <summary>An old 9-digit CMND, owner of 84961000004.</summary>
    public const string Cmnd = "025123456";

    public const string Purpose = "Kiem tra truoc khi dang ky tai khoan dinh danh dien tu muc 2";

    /// <summary>Every path of the four Telco upstreams.</summary>
    public const string AnyTelcoUpstream = "/(mnp|viettel|vnpt|mobifone)/.*";

    public static Task<HttpResponseMessage> CheckAsync(HttpClient client, string? phoneNumber, string? idNumber = CitizenA, string? purpose = Purpose)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = JsonContent.Create(new { phoneNumber, idNumber }),
        };
        if (purpose is not null)
        {
            request.Headers.Add("X-Purpose", purpose);
        }

        return client.SendAsync(request);
    }

    /// <summary>Checks and expects 200; returns the answer's JSON.</summary>
    public static async Task<JsonObject> CheckOkAsync(HttpClient client, string phoneNumber, string idNumber = CitizenA)
    {
        using var response = await CheckAsync(client, phoneNumber, idNumber);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"HTTP {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static string? Text(this JsonObject json, string name) => json[name]?.ToString();

    public static Task<int> RequestsAsync(string upstream) =>
        GatewayFactory.WireMock.CountRequestsAsync("ANY", $"/{upstream}/.*", regex: true);

    /// <summary>Requests to the carriers' ownership services only (not VNPT's token endpoint).</summary>
    public static async Task<(int Viettel, int Vnpt, int Mobifone)> OwnershipRequestsAsync() => (
        await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"),
        await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vnpt/api/thuebao/.*", regex: true),
        await GatewayFactory.WireMock.CountRequestsAsync("POST", "/mobifone/SubscriberService"));
}
