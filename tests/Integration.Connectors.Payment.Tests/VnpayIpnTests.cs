using System.Net;
using Dapper;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment.Tests;

/// <summary>VNPAY's IPN and return URL end to end, on SQLite and on PostgreSQL.</summary>
public abstract class VnpayIpnTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : VnpayIpnTests(postgres: false);

    public sealed class Postgres() : VnpayIpnTests(postgres: true);

    private const long Amount = 180_000;

    [Fact]
    public async Task Ipn_BadSignature_97AndPaymentUnchanged()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        var tampered = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, afterSigning: p => p["vnp_Amount"] = "100"));
        var unsigned = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, alterHash: _ => ""));

        Assert.Equal("97", tampered.Str("RspCode"));
        Assert.Equal("Invalid signature", tampered.Str("Message"));
        Assert.Equal("97", unsigned.Str("RspCode"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Ipn_UnknownTxnRef_01()
    {
        using var factory = Gateway();
        using var vnpay = factory.CreateClient((string?)null);

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery("GW0000000000ZZ", Amount));

        Assert.Equal("01", answer.Str("RspCode"));
        Assert.Equal("Order not found", answer.Str("Message"));
    }

    [Fact]
    public async Task Ipn_OtherTerminalsTmnCode_01AndPaymentUnchanged()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        // Signed with the right secret, but for another terminal.
        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, tmnCode: "OTHERTMN"));

        Assert.Equal("01", answer.Str("RspCode"));
        Assert.Equal("Order not found", answer.Str("Message"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("vnp_TmnCode is not this gateway's terminal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ipn_WrongAmount_04AndPaymentUnchanged()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount - 1));

        Assert.Equal("04", answer.Str("RspCode"));
        Assert.Equal("Invalid amount", answer.Str("Message"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Ipn_Paid_00AndStatusShowsTransactionBankPaidTimeAndEvents()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(
            payment.Str("reference")!, Amount, transactionNo: "14226112", bankCode: "NCB", payDate: "20261125101200", alterHash: h => h.ToUpperInvariant()));

        Assert.Equal("00", answer.Str("RspCode"));
        Assert.Equal("Confirm Success", answer.Str("Message"));
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("paid", status.Str("status"));
        Assert.Equal("14226112", status.Str("providerTransactionNo"));
        Assert.Equal("NCB", status.Str("bank"));
        Assert.Equal("2026-11-25T10:12:00+07:00", status.Str("paidAt"));
        var events = status["events"]!.AsArray();
        Assert.Equal(2, events.Count);
        Assert.Equal((null, "pending", "created"), (events[0].Str("from"), events[0].Str("to"), events[0].Str("source")));
        Assert.Equal(("pending", "paid", "vnpay_ipn"), (events[1].Str("from"), events[1].Str("to"), events[1].Str("source")));
    }

    [Fact]
    public async Task Ipn_Repeated_02AndNothingChanges()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        var ipn = PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount);
        Assert.Equal("00", (await PaymentTestKit.SendIpnAsync(vnpay, ipn)).Str("RspCode"));
        var before = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);

        var again = await PaymentTestKit.SendIpnAsync(vnpay, ipn);
        var failedLater = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, responseCode: "24", transactionStatus: "02"));

        Assert.Equal("02", again.Str("RspCode"));
        Assert.Equal("Order already confirmed", again.Str("Message"));
        Assert.Equal("02", failedLater.Str("RspCode"));
        var after = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Empty(await PaymentTestKit.FlaggedAsync(factory)); // VNPAY repeating the transaction that paid is no money to look at
    }

    [Fact]
    public async Task Ipn_PaidAfterThePaymentFailed_02MoneyFlaggedOnceForAnOperatorPaymentStaysFailed()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        var reference = payment.Str("reference")!;
        Assert.Equal("00", (await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(reference, Amount, responseCode: "24", transactionStatus: "02", transactionNo: "0"))).Str("RspCode"));

        var paid = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(reference, Amount, transactionNo: "14330001"));
        var repeated = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(reference, Amount, transactionNo: "14330001"));

        Assert.Equal(("02", "02"), (paid.Str("RspCode"), repeated.Str("RspCode")));
        Assert.Equal("failed", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
        var flagged = Assert.Single(await PaymentTestKit.FlaggedAsync(factory))!;
        Assert.Equal(("vnpay:14330001", "vnpay_ipn", "payment_failed"), (flagged.Str("transactionId"), flagged.Str("source"), flagged.Str("outcome")));
        Assert.Equal((Amount, Amount), (flagged["amount"]!.GetValue<long>(), flagged["expectedAmount"]!.GetValue<long>()));
        Assert.Equal((payment.Str("paymentId"), reference), (flagged.Str("paymentId"), flagged.Str("reference")));
    }

    [Fact]
    public async Task Ipn_PayerCancelled_00AndPaymentFailedWithCode()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, responseCode: "24", transactionStatus: "02", transactionNo: "0"));
        var paidAfterwards = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount));

        Assert.Equal("00", answer.Str("RspCode"));
        Assert.Equal("02", paidAfterwards.Str("RspCode"));
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("failed", status.Str("status"));
        Assert.Equal("24", status.Str("failureCode"));
        Assert.Null(status["paidAt"]);
        Assert.Contains(factory.Logs.Lines, l => l.Contains("an operator must refund or settle it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ipn_VietQrPaymentsReference_01()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, 50_000));

        Assert.Equal("01", answer.Str("RspCode"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task VerifyReturn_SignedReturnUrl_SaysWhatVnpaySaidWithoutChangingThePayment()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        using var response = await client.GetAsync("/api/v1/payments/vnpay/return?" + PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = await PaymentTestKit.ProblemAsync(response);
        Assert.Equal(payment.Str("paymentId"), view.Str("paymentId"));
        Assert.Equal("pending", view.Str("status"));
        Assert.True(view["providerSaysPaid"]!.GetValue<bool>());
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task VerifyReturn_TamperedReturnUrl_400InvalidSignature()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));

        using var response = await client.GetAsync("/api/v1/payments/vnpay/return?" +
            PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, responseCode: "24", afterSigning: p => p["vnp_ResponseCode"] = "00"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_signature", (await PaymentTestKit.ProblemAsync(response)).Str("code"));
    }

    [Fact]
    public async Task Ipn_StoreFails_99UnknownError()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        var store = factory.Services.GetRequiredService<GatewayStore>();
        await using (var connection = await store.OpenAsync())
        {
            await connection.ExecuteAsync("ALTER TABLE payments RENAME TO payments_gone");
        }

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount));

        Assert.Equal("99", answer.Str("RspCode"));
        Assert.Equal("Unknown error", answer.Str("Message"));
    }
}
