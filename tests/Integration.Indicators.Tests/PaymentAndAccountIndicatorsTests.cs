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

/// <summary>Paid payments per method (from a real VietQR payment and bank notice) and account figures per day, on both stores.</summary>
public sealed class PaymentAndAccountIndicatorsTests
{
    private const string BankSecret = "dev-bank-notice-secret";

    private static async Task<string> CreateVietQrAsync(HttpClient desk, long amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["dossierCode"] = "H99.01-261125-0002",
                ["feeCode"] = "LP-002",
                ["amount"] = amount,
                ["description"] = "Phí thẩm định hồ sơ",
                ["method"] = "vietqr",
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

    private static async Task PayByBankAsync(HttpClient bank, string transactionId, string reference, long amount, DateTimeOffset now)
    {
        var body = new JsonObject
        {
            ["transactionId"] = transactionId,
            ["bankBin"] = "970403",
            ["accountNumber"] = "0011012345678",
            ["amount"] = amount,
            ["content"] = $"MBVCB.8812.{reference}.chuyen tien",
            ["transferredAt"] = "2026-11-25T10:05:00+07:00",
        }.ToJsonString();
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments/callbacks/bank-transfer")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Timestamp", timestamp);
        request.Headers.Add("X-Signature", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(BankSecret), Encoding.UTF8.GetBytes(timestamp + "." + body))));
        using var response = await bank.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetPayments_PaidByBankNotice_CountedOnceInTheMonthItWasPaid(bool postgres)
    {
        var time = new ManualTimeProvider();
        using var factory = Create(postgres, time);
        using var desk = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        using var reports = factory.CreateClient(ReportsKey);
        var paid = await CreateVietQrAsync(desk, 50_000);
        await CreateVietQrAsync(desk, 70_000);

        await PayByBankAsync(bank, "FT26329001", paid, 50_000, time.GetUtcNow());
        await PayByBankAsync(bank, "FT26329001", paid, 50_000, time.GetUtcNow());

        var november = await GetAsync(reports, "/api/v1/indicators/payments?from=2026-11-01&to=2026-12-01");
        var october = await GetAsync(reports, "/api/v1/indicators/payments?from=2026-10-01&to=2026-11-01");
        Assert.Equal((1L, 50_000L), (november["count"]!.GetValue<long>(), november["amount"]!.GetValue<long>()));
        var vietqr = november["methods"]!.AsArray().Single(m => m!["method"]!.GetValue<string>() == "vietqr")!;
        var vnpay = november["methods"]!.AsArray().Single(m => m!["method"]!.GetValue<string>() == "vnpay")!;
        Assert.Equal((1L, 50_000L), (vietqr["count"]!.GetValue<long>(), vietqr["amount"]!.GetValue<long>()));
        Assert.Equal(0L, vnpay["count"]!.GetValue<long>());
        Assert.Equal(0L, october["count"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetAccounts_SeveralPullsADay_OneRowPerLocalityAndDayWithTheDaysLastFigures(bool postgres)
    {
        var time = new ManualTimeProvider();
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
