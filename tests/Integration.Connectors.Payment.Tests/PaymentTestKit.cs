using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Connectors.Payment.Store;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment.Tests;

/// <summary>
/// What the tests send and check, written independently of the connector's own code: VNPAY's
/// signature (sorted, WebUtility.UrlEncode, HMAC-SHA512), the bank's (HMAC-SHA256 over timestamp.body),
/// signed querydr answers for per-test WireMock mappings.
/// </summary>
internal static class PaymentTestKit
{
    public const string VnpaySecret = "DEVVNPAYHASHSECRETNOTFORPRODUCTION";
    public const string BankSecret = "dev-bank-notice-secret";
    public const string QuerydrPath = "/vnpay/merchant_webapi/api/transaction";
    public const string ClientName = "test-desk";

    public static readonly string[] QuerydrAnswerFields =
    [
        "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef", "vnp_Amount",
        "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus",
        "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount",
    ];

    public static JsonObject VnpayBody(long amount = 180_000, string dossier = "H99.01-261125-0001") => new()
    {
        ["dossierCode"] = dossier,
        ["feeCode"] = "LP-001",
        ["amount"] = amount,
        ["description"] = "Lệ phí cấp giấy phép xây dựng",
        ["payer"] = new JsonObject { ["name"] = "Nguyễn Văn An", ["phone"] = "0912345678" },
        ["method"] = "vnpay",
        ["returnUrl"] = "https://one-stop.example.gov.vn/payments/return",
    };

    public static JsonObject VietQrBody(long amount = 50_000, string dossier = "H99.01-261125-0002") => new()
    {
        ["dossierCode"] = dossier,
        ["feeCode"] = "LP-002",
        ["amount"] = amount,
        ["description"] = "Phí thẩm định hồ sơ",
        ["method"] = "vietqr",
    };

    public static async Task<HttpResponseMessage> PostPaymentAsync(HttpClient client, string? key, JsonNode body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Creates a payment and returns its 201 body.</summary>
    public static async Task<JsonObject> CreateAsync(HttpClient client, JsonNode body, string? key = null)
    {
        using var response = await PostPaymentAsync(client, key ?? Guid.NewGuid().ToString(), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"expected 201, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> GetPaymentAsync(HttpClient client, string paymentId)
    {
        using var response = await client.GetAsync($"/api/v1/payments/{paymentId}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET payment answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>VNPAY's canonical query: non-empty values, keys in ordinal order, WebUtility.UrlEncode on both sides.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var parts = new List<string>();
        foreach (var (k, v) in parameters.Where(p => p.Value.Length > 0).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parts.Add(WebUtility.UrlEncode(k) + "=" + WebUtility.UrlEncode(v));
        }

        return string.Join("&", parts);
    }

    public static string HmacSha512Hex(string data) =>
        Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(VnpaySecret), Encoding.UTF8.GetBytes(data)));

    /// <summary>The query string of an IPN (or return URL) for <paramref name="txnRef"/>, signed unless <paramref name="sign"/> is false.</summary>
    public static string IpnQuery(
        string txnRef,
        long amountVnd,
        string responseCode = "00",
        string transactionStatus = "00",
        string transactionNo = "14123456",
        string bankCode = "NCB",
        string payDate = "20261125101200",
        string tmnCode = "DEVTMN01",
        Func<string, string>? alterHash = null,
        Action<Dictionary<string, string>>? afterSigning = null)
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["vnp_Amount"] = (amountVnd * 100).ToString(CultureInfo.InvariantCulture),
            ["vnp_BankCode"] = bankCode,
            ["vnp_BankTranNo"] = "VNP" + transactionNo,
            ["vnp_CardType"] = "ATM",
            ["vnp_OrderInfo"] = "Thanh toan le phi",
            ["vnp_PayDate"] = payDate,
            ["vnp_ResponseCode"] = responseCode,
            ["vnp_TmnCode"] = tmnCode,
            ["vnp_TransactionNo"] = transactionNo,
            ["vnp_TransactionStatus"] = transactionStatus,
            ["vnp_TxnRef"] = txnRef,
        };
        var hash = HmacSha512Hex(CanonicalQuery(p));
        afterSigning?.Invoke(p);
        return CanonicalQuery(p) + "&vnp_SecureHashType=HmacSHA512&vnp_SecureHash=" + (alterHash?.Invoke(hash) ?? hash);
    }

    public static async Task<JsonObject> SendIpnAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync("/api/v1/payments/callbacks/vnpay?" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"IPN answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The operators' list of flagged money (bank notices and VNPAY IPNs), newest first.</summary>
    public static async Task<JsonArray> FlaggedAsync(GatewayFactory factory)
    {
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        return JsonNode.Parse(await ops.GetStringAsync("/api/v1/payments/bank-notices/flagged"))!.AsArray();
    }

    public static string BankSignature(string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(BankSecret), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    public static string BankNoticeJson(string transactionId, long amount, string content) => new JsonObject
    {
        ["transactionId"] = transactionId,
        ["bankBin"] = "970403",
        ["accountNumber"] = "0011012345678",
        ["amount"] = amount,
        ["content"] = content,
        ["transferredAt"] = "2026-11-25T10:05:00+07:00",
    }.ToJsonString();

    public static async Task<HttpResponseMessage> SendBankNoticeAsync(HttpClient client, string body, DateTimeOffset at, string? signature = null)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/callbacks/bank-transfer")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Timestamp", timestamp);
        request.Headers.Add("X-Signature", signature ?? BankSignature(timestamp, body));
        return await client.SendAsync(request);
    }

    /// <summary>A querydr answer signed with the dev secret over the fields VNPAY 2.1.0 hashes in a querydr answer (docs/upstreams.md, "VNPAY").</summary>
    public static JsonObject QuerydrAnswer(
        string txnRef, long amountVnd, string transactionStatus, string responseCode = "00",
        string transactionNo = "14000777", string bankCode = "VCB", string payDate = "20261125101000", bool badHash = false)
    {
        var a = new Dictionary<string, string>
        {
            ["vnp_ResponseId"] = Guid.NewGuid().ToString("N"),
            ["vnp_Command"] = "querydr",
            ["vnp_ResponseCode"] = responseCode,
            ["vnp_Message"] = "QueryDR Success",
            ["vnp_TmnCode"] = "DEVTMN01",
            ["vnp_TxnRef"] = txnRef,
            ["vnp_Amount"] = (amountVnd * 100).ToString(CultureInfo.InvariantCulture),
            ["vnp_BankCode"] = bankCode,
            ["vnp_PayDate"] = payDate,
            ["vnp_TransactionNo"] = transactionNo,
            ["vnp_TransactionType"] = "01",
            ["vnp_TransactionStatus"] = transactionStatus,
            ["vnp_OrderInfo"] = "Thanh toan le phi",
            ["vnp_PromotionCode"] = "",
            ["vnp_PromotionAmount"] = "",
        };
        var hash = HmacSha512Hex(string.Join("|", QuerydrAnswerFields.Select(f => a[f])));
        var json = new JsonObject();
        foreach (var (k, v) in a)
        {
            json[k] = v;
        }

        json["vnp_SecureHash"] = badHash ? "00" + hash[2..] : hash;
        return json;
    }

    /// <summary>A WireMock mapping answering querydr for <paramref name="txnRef"/> with <paramref name="answer"/>.</summary>
    public static Task<Guid> MapQuerydrAsync(string txnRef, JsonObject answer) =>
        GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject
            {
                ["method"] = "POST",
                ["urlPath"] = QuerydrPath,
                ["bodyPatterns"] = new JsonArray(new JsonObject
                {
                    ["matchesJsonPath"] = new JsonObject { ["expression"] = "$.vnp_TxnRef", ["equalTo"] = txnRef },
                }),
            },
            ["response"] = new JsonObject
            {
                ["status"] = 200,
                ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                ["body"] = answer.ToJsonString(),
            },
        });

    public static async Task<long> CountPaymentsAsync(GatewayFactory factory, string? key = null)
    {
        var store = factory.Services.GetRequiredService<GatewayStore>();
        await using var connection = await store.OpenAsync();
        return key is null
            ? await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM payments")
            : await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM payments WHERE idempotency_key = @key", new { key });
    }

    /// <summary>Writes a payment straight into the store (claim, then the creation transaction), e.g. with one of the mocks' fixed references.</summary>
    public static async Task<PaymentRow> SeedPaymentAsync(GatewayFactory factory, string reference, string method, long amount, DateTimeOffset createdAt, TimeSpan lifetime)
    {
        var store = factory.Services.GetRequiredService<PaymentStore>();
        var key = "seed-" + reference;
        var owner = Guid.NewGuid().ToString("N");
        var now = createdAt.ToUnixTimeMilliseconds();
        Assert.True(await store.TryClaimAsync(ClientName, key, "seed", owner, now, now + 60_000, default));
        var row = new PaymentRow
        {
            Id = Guid.NewGuid().ToString("N"),
            Reference = reference,
            Client = ClientName,
            IdempotencyKey = key,
            Method = method,
            Status = "pending",
            Amount = amount,
            DossierCode = "HS-SEED",
            FeeCode = "LP-01",
            Description = "Seeded payment",
            OrderInfo = "Seeded payment",
            ProviderCreateDate = Integration.Core.Hosting.VietnamTime.Format14(createdAt),
            CreatedAt = now,
            ExpiresAt = (createdAt + lifetime).ToUnixTimeMilliseconds(),
            UpdatedAt = now,
        };
        Assert.Equal(CreationOutcome.Completed, await store.TryCompleteCreationAsync(row, owner, default));
        return row;
    }

    public static string? Str(this JsonNode? node, string name) => node?[name]?.GetValue<string>();

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static Task<T?> ReadAsync<T>(HttpResponseMessage response) => response.Content.ReadFromJsonAsync<T>(Json);
}
