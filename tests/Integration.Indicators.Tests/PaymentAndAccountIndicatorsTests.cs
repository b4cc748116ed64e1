using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Integration.Core.Indicators;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Indicators.Tests.IndicatorsKit;

namespace Integration.Indicators.Tests;

/// <summary>Paid payments per method (a real VNPAY payment and its notification) and account figures per day, on both stores.</summary>
public sealed class PaymentAndAccountIndicatorsTests
{
    private const string VnpaySecret = "DEVVNPAYHASHSECRETNOTFORPRODUCTION";

    private static async Task<string> CreateAsync(HttpClient desk, string method, long amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["dossierCode"] = "H99.01-261125-0002",
                ["feeCode"] = "LP-002",
                ["amount"] = amount,
                ["description"] = "Phí thẩm định hồ sơ",
                ["method"] = method,
                ["returnUrl"] = "https://one-stop.example.gov.vn/paid",
            }),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await desk.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        var created = JsonNode.Parse(text)!;
        var payment = await (await desk.GetAsync($"/api/v1/payments/{created["paymentId"]}")).Content.ReadFromJsonAsync<JsonObject>();
        return payment!["reference"]!.GetValue<string>();
    }

    /// <summary>VNPAY's payment notification (IPN): the query in key order, WebUtility.UrlEncode, HMAC-SHA512.</summary>
    private static async Task PayByVnpayAsync(HttpClient vnpay, string reference, long amount)
    {
        var p = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["vnp_Amount"] = (amount * 100).ToString(CultureInfo.InvariantCulture),
            ["vnp_BankCode"] = "NCB",
            ["vnp_BankTranNo"] = "VNP14123456",
            ["vnp_CardType"] = "ATM",
            ["vnp_OrderInfo"] = "Thanh toan le phi",
            ["vnp_PayDate"] = "20261125101200",
            ["vnp_ResponseCode"] = "00",
            ["vnp_TmnCode"] = "DEVTMN01",
            ["vnp_TransactionNo"] = "14123456",
            ["vnp_TransactionStatus"] = "00",
            ["vnp_TxnRef"] = reference,
        };
        var query = string.Join("&", p.Select(kv => WebUtility.UrlEncode(kv.Key) + "=" + WebUtility.UrlEncode(kv.Value)));
        var hash = Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(VnpaySecret), Encoding.UTF8.GetBytes(query)));
        using var response = await vnpay.GetAsync($"/api/v1/payments/callbacks/vnpay?{query}&vnp_SecureHashType=HmacSHA512&vnp_SecureHash={hash}");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(answer["RspCode"]!.GetValue<string>() is "00" or "02", answer.ToJsonString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetPayments_PaidByVnpay_CountedOnceInTheMonthItWasPaid(bool postgres)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(postgres, time);
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        using var reports = factory.CreateClient(ReportsKey);
        var paid = await CreateAsync(desk, "vnpay", 180_000);
        await CreateAsync(desk, "vietqr", 50_000);

        // VNPAY repeats its notification until it is acknowledged: the payment is counted once.
        await PayByVnpayAsync(vnpay, paid, 180_000);
        await PayByVnpayAsync(vnpay, paid, 180_000);

        var november = await GetAsync(reports, "/api/v1/indicators/payments?from=2026-11-01&to=2026-12-01");
        var october = await GetAsync(reports, "/api/v1/indicators/payments?from=2026-10-01&to=2026-11-01");
        Assert.Equal((1L, 180_000L), (november["count"]!.GetValue<long>(), november["amount"]!.GetValue<long>()));
        var byMethod = november["methods"]!.AsArray().ToDictionary(m => m!["method"]!.GetValue<string>(), m => (m!["count"]!.GetValue<long>(), m["amount"]!.GetValue<long>()));
        Assert.Equal((1L, 180_000L), byMethod["vnpay"]);
        Assert.Equal((0L, 0L), byMethod["vietqr"]);
        Assert.Equal(0L, october["count"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetAccounts_SeveralPullsADay_OneRowPerLocalityAndDayWithTheDaysLastFigures(bool postgres)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Create(postgres, time);
        using var reports = factory.CreateClient(ReportsKey);
        var feed = factory.Services.GetRequiredService<IIndicatorFeed>();
        var store = factory.Services.GetRequiredService<GatewayStore>();
        async Task PullAsync(DateTimeOffset at, long accounts, long level2)
        {
            await using var connection = await store.OpenAsync();
            await using var tx = await store.BeginWriteAsync(connection);
            await feed.AccountStatisticsPulledAsync(
                [new AccountStatisticsFact("99001", "Xã Tân Hòa", accounts, level2, at), new AccountStatisticsFact("99002", "Xã Đắk Ơ", 10, 1, at)], tx, default);
            await tx.CommitAsync();
        }

        await PullAsync(At(11, 20, 8), 100, 40);
        await PullAsync(At(11, 20, 23, 30), 120, 45);
        await PullAsync(At(11, 21, 0, 15), 130, 50);
        await PullAsync(At(12, 1, 8), 150, 60);

        var one = await GetAsync(reports, "/api/v1/indicators/accounts?locality=99001&from=2026-11-01&to=2026-12-01");
        var all = await GetAsync(reports, "/api/v1/indicators/accounts?from=2026-11-01&to=2026-12-01");

        var days = one["days"]!.AsArray();
        Assert.Equal(["2026-11-20", "2026-11-21"], days.Select(d => d!["date"]!.GetValue<string>()));
        Assert.Equal((120L, 45L), (days[0]!["accounts"]!.GetValue<long>(), days[0]!["level2Accounts"]!.GetValue<long>()));
        Assert.Equal(130L, days[1]!["accounts"]!.GetValue<long>());
        Assert.Equal(4, all["days"]!.AsArray().Count);
    }
}
