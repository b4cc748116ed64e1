using Microsoft.Extensions.Time.Testing;
using System.Net;
using Integration.Testing;

namespace Integration.Connectors.Payment.Tests;

/// <summary>Bank credit notices (VietQR transfers) end to end, on SQLite and on PostgreSQL.</summary>
public abstract class BankNoticeTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : BankNoticeTests(postgres: false);

    public sealed class Postgres() : BankNoticeTests(postgres: true);

    private const long Amount = 50_000;

    [Fact]
    public async Task Notice_Matching_200PaidWithTransactionAndTime()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));
        var reference = payment.Str("reference")!;

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT26329001", Amount, $"MBVCB.8812.{reference.ToLowerInvariant()}.chuyen tien"), time.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await PaymentTestKit.ProblemAsync(response);
        Assert.Equal("paid", receipt.Str("outcome"));
        Assert.False(receipt["duplicate"]!.GetValue<bool>());
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("paid", status.Str("status"));
        Assert.Equal("FT26329001", status.Str("providerTransactionNo"));
        Assert.Equal("970403", status.Str("bank"));
        Assert.Equal("2026-11-25T10:05:00+07:00", status.Str("paidAt"));
        Assert.Equal("bank_notice", status["events"]!.AsArray()[1].Str("source"));

        // The bank sends the very same notice again: acknowledged, nothing changes.
        time.Advance(TimeSpan.FromMinutes(1));
        using var again = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT26329001", Amount, $"MBVCB.8812.{reference.ToLowerInvariant()}.chuyen tien"), time.GetUtcNow());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True((await PaymentTestKit.ProblemAsync(again))["duplicate"]!.GetValue<bool>());
        Assert.Equal(status.ToJsonString(), (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).ToJsonString());
        Assert.Empty(await PaymentTestKit.FlaggedAsync(factory));
    }

    [Fact]
    public async Task Notice_PaymentPastItsExpiry_FlaggedForAnOperatorAndPaymentExpiredNeverPaid()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));
        time.Advance(TimeSpan.FromMinutes(61)); // VietQR payments expire after an hour; the reconciliation job has not run yet

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT-EXP", Amount, payment.Str("reference")!), time.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("payment_expired", (await PaymentTestKit.ProblemAsync(response)).Str("outcome"));
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("expired", status.Str("status"));
        Assert.Null(status["paidAt"]);
        var flagged = Assert.Single(await PaymentTestKit.FlaggedAsync(factory))!;
        Assert.Equal(("FT-EXP", "bank_notice", "payment_expired"), (flagged.Str("transactionId"), flagged.Str("source"), flagged.Str("outcome")));
    }

    [Fact]
    public async Task Notice_BadSignature_401AndNothingRecorded()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));
        var body = PaymentTestKit.BankNoticeJson("FT1", Amount, payment.Str("reference")!);
        var signedOtherBody = PaymentTestKit.BankSignature(time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), body + " ");

        using var wrong = await PaymentTestKit.SendBankNoticeAsync(bank, body, time.GetUtcNow(), signature: signedOtherBody);
        using var garbage = await PaymentTestKit.SendBankNoticeAsync(bank, body, time.GetUtcNow(), signature: "not-hex");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_signature", (await PaymentTestKit.ProblemAsync(wrong)).Str("code"));
        Assert.Equal(HttpStatusCode.Unauthorized, garbage.StatusCode);
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));

        // Nothing was recorded: the same transaction, now signed, is new and pays.
        using var good = await PaymentTestKit.SendBankNoticeAsync(bank, body, time.GetUtcNow());
        Assert.Equal("paid", (await PaymentTestKit.ProblemAsync(good)).Str("outcome"));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public async Task Notice_TimestampOutsideFiveMinutes_401Stale(int secondsAway)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT2", Amount, payment.Str("reference")!), time.GetUtcNow().AddSeconds(secondsAway));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("stale_timestamp", (await PaymentTestKit.ProblemAsync(response)).Str("code"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Notice_FourMinutesOld_Accepted()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT3", Amount, payment.Str("reference")!), time.GetUtcNow().AddMinutes(-4));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Notice_DuplicateTransactionId_AcknowledgedWithoutEffect()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        var first = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));
        var second = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));
        using var paid = await PaymentTestKit.SendBankNoticeAsync(bank, PaymentTestKit.BankNoticeJson("FT4", Amount, first.Str("reference")!), time.GetUtcNow());
        var before = await PaymentTestKit.GetPaymentAsync(client, first.Str("paymentId")!);

        time.Advance(TimeSpan.FromMinutes(1));
        // Same transaction id, even with a content naming another payment: the bank resent it; nothing happens.
        using var again = await PaymentTestKit.SendBankNoticeAsync(bank, PaymentTestKit.BankNoticeJson("FT4", Amount, second.Str("reference")!), time.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var receipt = await PaymentTestKit.ProblemAsync(again);
        Assert.True(receipt["duplicate"]!.GetValue<bool>());
        Assert.Equal("paid", receipt.Str("outcome"));
        Assert.Equal(first.Str("paymentId"), receipt.Str("paymentId"));
        Assert.Equal(before.ToJsonString(), (await PaymentTestKit.GetPaymentAsync(client, first.Str("paymentId")!)).ToJsonString());
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, second.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Notice_WrongAmount_RecordedFlaggedForOperatorNeverPaid()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var bank = factory.CreateClient((string?)null);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(Amount));

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank,
            PaymentTestKit.BankNoticeJson("FT5", Amount - 1_000, payment.Str("reference")! + " thieu tien"), time.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("amount_mismatch", (await PaymentTestKit.ProblemAsync(response)).Str("outcome"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("flagged for an operator: amount_mismatch", StringComparison.Ordinal));

        using var flagged = await ops.GetAsync("/api/v1/payments/bank-notices/flagged");
        Assert.Equal(HttpStatusCode.OK, flagged.StatusCode);
        var list = System.Text.Json.Nodes.JsonNode.Parse(await flagged.Content.ReadAsStringAsync())!.AsArray();
        var notice = Assert.Single(list);
        Assert.Equal("FT5", notice.Str("transactionId"));
        Assert.Equal("amount_mismatch", notice.Str("outcome"));
        Assert.Equal(Amount - 1_000, notice!["amount"]!.GetValue<long>());
        Assert.Equal(Amount, notice["expectedAmount"]!.GetValue<long>());
        Assert.Equal(payment.Str("paymentId"), notice.Str("paymentId"));

        using var deskAsksForOpsList = await client.GetAsync("/api/v1/payments/bank-notices/flagged");
        Assert.Equal(HttpStatusCode.Forbidden, deskAsksForOpsList.StatusCode);

        foreach (var limit in new[] { "0", "1001" })
        {
            using var refused = await ops.GetAsync("/api/v1/payments/bank-notices/flagged?limit=" + limit);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var problem = await PaymentTestKit.ProblemAsync(refused);
            Assert.Equal("invalid_field", problem.Str("code"));
            Assert.Equal("limit", problem["errors"]![0]!.Str("field"));
        }
    }

    [Fact]
    public async Task Notice_NoReferenceInContent_RecordedAsUnmatchedAndFlagged()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var bank = factory.CreateClient((string?)null);
        using var ops = factory.CreateClient(GatewayFactory.OpsKey);

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank, PaymentTestKit.BankNoticeJson("FT6", Amount, "chuyen tien le phi"), time.GetUtcNow());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("unmatched", (await PaymentTestKit.ProblemAsync(response)).Str("outcome"));
        using var flagged = await ops.GetAsync("/api/v1/payments/bank-notices/flagged");
        Assert.Contains("FT6", await flagged.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Notice_MalformedBodyWithValidSignature_400()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = Gateway(time);
        using var bank = factory.CreateClient((string?)null);

        using var response = await PaymentTestKit.SendBankNoticeAsync(bank, "{\"transactionId\": ", time.GetUtcNow());
        using var missing = await PaymentTestKit.SendBankNoticeAsync(bank, "{\"content\": \"x\"}", time.GetUtcNow());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }
}
