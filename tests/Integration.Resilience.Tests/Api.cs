using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Testing;

namespace Integration.Resilience.Tests;

/// <summary>
/// The calls the chaos and scale-out tests make, with the invented data of mocks/TEST-DATA.md: citizen An (C06
/// match), generated citizens C06 does not know (well-formed CCCDs answered <c>not_found</c>), Viettel's test number
/// owned by An, and dossier-fee payments.
/// </summary>
internal static class Api
{
    public const string VerifyPath = "/api/v1/identity/citizens/verify";
    public const string SubscriberPath = "/api/v1/telco/subscriber-checks";
    public const string PaymentsPath = "/api/v1/payments";
    public const string C06Path = "/c06/XacThucCongDan";
    public const string QuerydrPath = "/vnpay/merchant_webapi/api/transaction";
    public const string Purpose = "Kiem tra truoc khi tiep nhan ho so";

    /// <summary>Viettel's test number owned by citizen An (<c>001085012345</c>); anyone else is <c>not_owner</c>.</summary>
    public const string ViettelNumber = "0961000001";

    public static readonly Citizen An = new("001085012345", "Nguyễn Văn An", "1985-03-15");

    /// <summary>A well-formed CCCD of a man born in 1995 that C06 does not know (answered <c>not_found</c>): a cache miss per <paramref name="n"/>.</summary>
    public static Citizen Unknown(int n) => new("036095" + n.ToString("D6", CultureInfo.InvariantCulture), "Lê Văn Cường", "1995-01-20");

    public static async Task<HttpResponseMessage> VerifyAsync(HttpClient client, Citizen citizen, CancellationToken cancellationToken = default, string purpose = Purpose)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, VerifyPath)
        {
            Content = JsonContent.Create(new { idNumber = citizen.IdNumber, fullName = citizen.FullName, dateOfBirth = citizen.DateOfBirth }),
        };
        request.Headers.Add("X-Purpose", purpose);
        return await client.SendAsync(request, cancellationToken);
    }

    public static async Task<HttpResponseMessage> CheckSubscriberAsync(HttpClient client, string phoneNumber, string idNumber, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, SubscriberPath)
        {
            Content = JsonContent.Create(new { phoneNumber, idNumber }),
        };
        request.Headers.Add("X-Purpose", Purpose);
        return await client.SendAsync(request, cancellationToken);
    }

    public static JsonObject VietQrBody(long amount, string dossier = "H99.01-261125-0002") => new()
    {
        ["dossierCode"] = dossier,
        ["feeCode"] = "LP-002",
        ["amount"] = amount,
        ["description"] = "Phí thẩm định hồ sơ",
        ["method"] = "vietqr",
    };

    public static JsonObject VnpayBody(long amount, string dossier = "H99.01-261125-0001") => new()
    {
        ["dossierCode"] = dossier,
        ["feeCode"] = "LP-001",
        ["amount"] = amount,
        ["description"] = "Lệ phí cấp giấy phép xây dựng",
        ["payer"] = new JsonObject { ["name"] = "Nguyễn Văn An", ["phone"] = "0912345678" },
        ["method"] = "vnpay",
        ["returnUrl"] = "https://one-stop.example.gov.vn/payments/return",
    };

    public static async Task<HttpResponseMessage> PostPaymentAsync(HttpClient client, string key, JsonNode body, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, PaymentsPath)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await client.SendAsync(request, cancellationToken);
    }

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static string? Str(this JsonNode? node, string name) => node?[name]?.GetValue<string>();

    /// <summary>The answer is RFC 9457 problem details with a <c>code</c>; returns the code.</summary>
    public static async Task<string> ProblemCodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"HTTP {(int)response.StatusCode} is not problem details ({response.Content.Headers.ContentType}): {Shorten(body)}");
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String,
            $"HTTP {(int)response.StatusCode} problem without a code: {Shorten(body)}");
        Assert.Equal((int)response.StatusCode, json.RootElement.GetProperty("status").GetInt32());
        return code.GetString()!;
    }

    /// <summary>GET /api/v1/connectors (ops key): the named upstream's circuit, e.g. <c>open</c>.</summary>
    public static async Task<string> CircuitAsync(HttpClient ops, string connector, string upstream)
    {
        var view = await ops.GetFromJsonAsync<JsonElement>("/api/v1/connectors");
        var c = view.EnumerateArray().Single(x => x.GetProperty("name").GetString() == connector);
        var u = c.GetProperty("upstreams").EnumerateArray().SingleOrDefault(x => x.GetProperty("name").GetString() == upstream);
        return u.ValueKind == JsonValueKind.Undefined ? "unused" : u.GetProperty("circuit").GetString()!;
    }

    public static async Task<HttpStatusCode> ReadyAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/health/ready");
        return response.StatusCode;
    }

    public static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + "…";
}

internal sealed record Citizen(string IdNumber, string FullName, string DateOfBirth);

/// <summary>The settings of gateways under test: the usual test settings, quieter logs, and room for load in the rate limits.</summary>
internal static class TestGateways
{
    public static Dictionary<string, string?> Settings(GatewayFactoryOptions options)
    {
        using var template = new GatewayFactory(options); // never started: it only lays out the test settings
        var settings = new Dictionary<string, string?>(template.BaseSettings(), StringComparer.OrdinalIgnoreCase)
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Gateway:Clients:0:PermitPerMinute"] = "1000000",
            ["Gateway:Clients:1:PermitPerMinute"] = "1000000",
        };
        return settings;
    }

    /// <summary>Settings with <paramref name="more"/> applied over them.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, IEnumerable<KeyValuePair<string, string?>> more)
    {
        var copy = new Dictionary<string, string?>(settings, StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in more)
        {
            copy[k] = v;
        }

        return copy;
    }
}
