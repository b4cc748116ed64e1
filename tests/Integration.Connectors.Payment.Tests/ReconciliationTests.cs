using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Integration.Connectors.Payment.Reconciliation;
using Integration.Connectors.Payment.Store;
using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Integration.Connectors.Payment.Tests;

/// <summary>The reconciliation job (querydr, expiry) end to end, on SQLite and on PostgreSQL.</summary>
public abstract class ReconciliationTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : ReconciliationTests(postgres: false);

    public sealed class Postgres() : ReconciliationTests(postgres: true);

    private const long Amount = 180_000;
    private const string NeverDuringTests = "0 0 0 1 1 ? 2099";

    private async Task<(GatewayFactory Factory, FakeTimeProvider Time, HttpClient Client)> StartAsync()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        // The job's own schedule would fire during a test and race the runs the test makes itself.
        var factory = Gateway(time, new Dictionary<string, string?> { ["Connectors:Payment:Reconciliation:Schedule"] = NeverDuringTests });
        return (factory, time, factory.CreateClient(GatewayFactory.DeskKey));
    }

    private static Task<ReconciliationResult> RunAsync(GatewayFactory factory) =>
        factory.Services.GetRequiredService<PaymentReconciler>().RunAsync(CancellationToken.None);

    [Fact]
    public async Task Run_QuerydrSaysPaid_PaymentPaidWithProviderDetails()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(
            payment.Str("reference")!, Amount, "00", transactionNo: "14000777", bankCode: "VCB", payDate: "20261125100300"));
        time.Advance(TimeSpan.FromMinutes(6));

        var result = await RunAsync(factory);

        Assert.Equal((1, 1, 0), (result.Queried, result.Settled, result.Failed));
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("paid", status.Str("status"));
        Assert.Equal("14000777", status.Str("providerTransactionNo"));
        Assert.Equal("VCB", status.Str("bank"));
        Assert.Equal("2026-11-25T10:03:00+07:00", status.Str("paidAt"));
        Assert.Equal("querydr", status["events"]!.AsArray()[1].Str("source"));

        // The query was signed as VNPAY wants it and named the pay URL's create date.
        var sent = (await GatewayFactory.WireMock.FindRequestsAsync("POST", PaymentTestKit.QuerydrPath)).Single().BodyAsJson()!;
        Assert.Equal("20261125100000", sent.Str("vnp_TransactionDate"));
        Assert.Equal("querydr", sent.Str("vnp_Command"));
        var data = string.Join("|", new[] { "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo" }
            .Select(f => sent.Str(f)));
        Assert.Equal(PaymentTestKit.HmacSha512Hex(data), sent.Str("vnp_SecureHash"));
    }

    [Fact]
    public async Task Run_QuerydrSaysFailed_PaymentFailed()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(payment.Str("reference")!, Amount, "02"));
        time.Advance(TimeSpan.FromMinutes(6));

        var result = await RunAsync(factory);

        Assert.Equal(1, result.Settled);
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("failed", status.Str("status"));
        Assert.Equal("02", status.Str("failureCode"));
    }

    [Fact]
    public async Task Run_QuerydrAnswerWithBadHash_RejectedAndPaymentLeftPending()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(payment.Str("reference")!, Amount, "00", badHash: true));
        time.Advance(TimeSpan.FromMinutes(20)); // even past its expiry: a paid payment must never be expired on an unverified answer

        var result = await RunAsync(factory);

        Assert.Equal((1, 0, 0, 1), (result.Queried, result.Settled, result.Expired, result.Failed));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("vnp_SecureHash that does not verify", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_QuerydrSaysPaidWithOtherAmount_LeftPending()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(payment.Str("reference")!, Amount + 1, "00"));
        time.Advance(TimeSpan.FromMinutes(6));

        await RunAsync(factory);

        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    /// <summary>
    /// A gateway on the real clock, with a VNPAY payment due for a query: the pipeline waits its retry delays on the
    /// gateway's clock, which a fake clock would hold still.
    /// </summary>
    private async Task<(GatewayFactory Factory, HttpClient Client, PaymentRow Payment)> StartWithDuePaymentAsync()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var factory = Gateway(settings: new Dictionary<string, string?> { ["Connectors:Payment:Reconciliation:Schedule"] = NeverDuringTests });
        var payment = await PaymentTestKit.SeedPaymentAsync(
            factory, PaymentReference.New(), "vnpay", Amount, TimeProvider.System.GetUtcNow().AddMinutes(-6), TimeSpan.FromMinutes(15));
        return (factory, factory.CreateClient(GatewayFactory.DeskKey), payment);
    }

    [Fact]
    public async Task Run_QuerydrAnswers503Once_SentAgainAsAQueryAndSettles()
    {
        var (factory, client, payment) = await StartWithDuePaymentAsync();
        using var _ = factory;
        using var __ = client;
        await GatewayFactory.WireMock.AddMappingAsync(Querydr(new JsonObject { ["status"] = 503 }, scenario: ("overloaded", "Started", "answered")));
        await GatewayFactory.WireMock.AddMappingAsync(Querydr(new JsonObject
        {
            ["status"] = 200,
            ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
            ["body"] = PaymentTestKit.QuerydrAnswer(payment.Reference, Amount, "00").ToJsonString(),
        }, scenario: ("overloaded", "answered", null)));

        var result = await RunAsync(factory);

        // querydr is a POST, sent again only because it is marked safe to repeat: it changes nothing at VNPAY.
        Assert.Equal((1, 1, 0), (result.Queried, result.Settled, result.Failed));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", PaymentTestKit.QuerydrPath));
        Assert.Equal("paid", (await PaymentTestKit.GetPaymentAsync(client, payment.Id)).Str("status"));
    }

    [Fact]
    public async Task Run_VnpayResetsEveryConnection_CountedAsFailedAndLeftPending()
    {
        var (factory, client, payment) = await StartWithDuePaymentAsync();
        using var _ = factory;
        using var __ = client;
        await GatewayFactory.WireMock.AddMappingAsync(Querydr(new JsonObject { ["fault"] = "CONNECTION_RESET_BY_PEER" }));

        var result = await RunAsync(factory);

        Assert.Equal((1, 0, 1), (result.Queried, result.Settled, result.Failed));
        Assert.Equal(4, await GatewayFactory.WireMock.CountRequestsAsync("POST", PaymentTestKit.QuerydrPath)); // the first and 3 retries
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Id)).Str("status"));
        var telemetry = factory.Services.GetRequiredService<ConnectorTelemetry>();
        await telemetry.FlushAsync();
        var row = Assert.Single(await telemetry.ReadRecentAsync(100), r => r.Operation == "querydr");
        Assert.Equal(("unavailable", "upstream_unavailable"), (row.Outcome, row.ErrorCode));
    }

    [Fact]
    public async Task Run_QuerydrAnswers404_FailedOnceAndLeftPending()
    {
        var (factory, client, payment) = await StartWithDuePaymentAsync();
        using var _ = factory;
        using var __ = client;
        await GatewayFactory.WireMock.AddMappingAsync(Querydr(new JsonObject { ["status"] = 404 }));

        var result = await RunAsync(factory);

        Assert.Equal((1, 0, 1), (result.Queried, result.Settled, result.Failed));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", PaymentTestKit.QuerydrPath));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, payment.Id)).Str("status"));
    }

    /// <summary>A querydr mapping above the mocks' own, optionally a step of a WireMock scenario (name, required state, next state).</summary>
    private static JsonObject Querydr(JsonObject response, (string Name, string State, string? Next)? scenario = null)
    {
        var mapping = new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = PaymentTestKit.QuerydrPath },
            ["response"] = response,
        };
        if (scenario is { } step)
        {
            mapping["scenarioName"] = step.Name;
            mapping["requiredScenarioState"] = step.State;
            if (step.Next is not null)
            {
                mapping["newScenarioState"] = step.Next;
            }
        }

        return mapping;
    }

    [Fact]
    public async Task Run_YoungPayment_NotQueried()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        time.Advance(TimeSpan.FromMinutes(4));

        var result = await RunAsync(factory);

        Assert.Equal(0, result.Queried);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", PaymentTestKit.QuerydrPath));
    }

    [Fact]
    public async Task Run_VnpayPendingAtVnpay_KeptUntilExpiryThenExpired()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(payment.Str("reference")!, Amount, "01"));
        time.Advance(TimeSpan.FromMinutes(6));

        await RunAsync(factory);
        var before = (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status");
        time.Advance(TimeSpan.FromMinutes(10));
        var result = await RunAsync(factory);

        Assert.Equal("pending", before);
        Assert.Equal(1, result.Expired);
        var status = await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!);
        Assert.Equal("expired", status.Str("status"));
        Assert.Equal("expiry", status["events"]!.AsArray()[1].Str("source"));
    }

    [Fact]
    public async Task Run_VnpayUnknownToVnpayPastExpiry_Expired()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        time.Advance(TimeSpan.FromMinutes(16)); // the mocks' catch-all answers 91 (not found)

        var result = await RunAsync(factory);

        Assert.Equal(1, result.Expired);
        Assert.Equal("expired", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Run_VietQrPastExpiry_ExpiredAndALaterTransferIsFlagged()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        using var bank = factory.CreateClient((string?)null);
        var young = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));
        time.Advance(TimeSpan.FromMinutes(59));
        var younger = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));
        time.Advance(TimeSpan.FromMinutes(2));

        var result = await RunAsync(factory);

        Assert.Equal(1, result.Expired);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", PaymentTestKit.QuerydrPath));
        Assert.Equal("expired", (await PaymentTestKit.GetPaymentAsync(client, young.Str("paymentId")!)).Str("status"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, younger.Str("paymentId")!)).Str("status"));
        using var late = await PaymentTestKit.SendBankNoticeAsync(bank, PaymentTestKit.BankNoticeJson("FT-LATE", 50_000, young.Str("reference")!), time.GetUtcNow());
        Assert.Equal("payment_expired", (await PaymentTestKit.ProblemAsync(late)).Str("outcome"));
        Assert.Equal("expired", (await PaymentTestKit.GetPaymentAsync(client, young.Str("paymentId")!)).Str("status"));
    }

    [Fact]
    public async Task Run_VnpayExpired_ThenAPaidIpn_02MoneyFlaggedForAnOperatorPaymentStaysExpired()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        time.Advance(TimeSpan.FromMinutes(16)); // the mocks' catch-all answers 91 (not found): expired
        Assert.Equal(1, (await RunAsync(factory)).Expired);

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount, transactionNo: "14330002"));

        Assert.Equal("02", answer.Str("RspCode"));
        Assert.Equal("expired", (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status"));
        var flagged = Assert.Single(await PaymentTestKit.FlaggedAsync(factory))!;
        Assert.Equal(("vnpay:14330002", "vnpay_ipn", "payment_expired"), (flagged.Str("transactionId"), flagged.Str("source"), flagged.Str("outcome")));
        Assert.Equal(payment.Str("paymentId"), flagged.Str("paymentId"));
    }

    [Fact]
    public async Task Run_PaymentsWithTheMocksFixedReferences_SettledFromTheMappingFiles()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        await PaymentTestKit.CountPaymentsAsync(factory);
        var created = time.GetUtcNow();
        var paid = await PaymentTestKit.SeedPaymentAsync(factory, "MOCKPAID00001", "vnpay", 10_000, created, TimeSpan.FromMinutes(15));
        var pending = await PaymentTestKit.SeedPaymentAsync(factory, "MOCKPEND00001", "vnpay", 10_000, created, TimeSpan.FromMinutes(15));
        var failed = await PaymentTestKit.SeedPaymentAsync(factory, "MOCKFAIL00001", "vnpay", 10_000, created, TimeSpan.FromMinutes(15));
        var badHash = await PaymentTestKit.SeedPaymentAsync(factory, "MOCKBADHASH01", "vnpay", 10_000, created, TimeSpan.FromMinutes(15));
        time.Advance(TimeSpan.FromMinutes(6));

        var result = await RunAsync(factory);

        Assert.Equal((4, 2, 1), (result.Queried, result.Settled, result.Failed));
        Assert.Equal("paid", (await PaymentTestKit.GetPaymentAsync(client, paid.Id)).Str("status"));
        Assert.Equal("14000001", (await PaymentTestKit.GetPaymentAsync(client, paid.Id)).Str("providerTransactionNo"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, pending.Id)).Str("status"));
        Assert.Equal("failed", (await PaymentTestKit.GetPaymentAsync(client, failed.Id)).Str("status"));
        Assert.Equal("pending", (await PaymentTestKit.GetPaymentAsync(client, badHash.Id)).Str("status"));
    }

    [Fact]
    public async Task Run_IpnArrivesAfterReconciliationSettled_Answers02AndChangesNothing()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        using var vnpay = factory.CreateClient((string?)null);
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(Amount));
        await PaymentTestKit.MapQuerydrAsync(payment.Str("reference")!, PaymentTestKit.QuerydrAnswer(payment.Str("reference")!, Amount, "00"));
        time.Advance(TimeSpan.FromMinutes(6));
        await RunAsync(factory);

        var answer = await PaymentTestKit.SendIpnAsync(vnpay, PaymentTestKit.IpnQuery(payment.Str("reference")!, Amount));

        Assert.Equal("02", answer.Str("RspCode"));
        Assert.Equal(2, (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!))["events"]!.AsArray().Count);
    }

    [Fact]
    public async Task Job_RegisteredInQuartzOnTheConfiguredCron_AndTriggeringItReconciles()
    {
        var (factory, time, client) = await StartAsync();
        using var _ = factory;
        using var __ = client;
        var payment = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));
        time.Advance(TimeSpan.FromMinutes(61));
        var scheduler = await factory.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();

        var job = await scheduler.GetJobDetail(new JobKey(PaymentReconciliationJob.Name));
        var trigger = Assert.Single(await scheduler.GetTriggersOfJob(new JobKey(PaymentReconciliationJob.Name)));
        await scheduler.TriggerJob(new JobKey(PaymentReconciliationJob.Name));

        Assert.NotNull(job);
        Assert.Equal(NeverDuringTests, Assert.IsAssignableFrom<ICronTrigger>(trigger).CronExpressionString);
        await Eventually.TrueAsync(
            async () => (await PaymentTestKit.GetPaymentAsync(client, payment.Str("paymentId")!)).Str("status") == "expired",
            "the triggered reconciliation job expires the payment");
    }

    [Fact]
    public async Task Probe_VnpayAnswersSignedNotFound_Ok()
    {
        var (factory, _, client) = await StartAsync();
        using var f = factory;
        using var c = client;
        var probe = factory.Services.GetServices<IConnectorProbe>().Single(p => p.Connector == "Payment");

        var results = await probe.ProbeAsync(CancellationToken.None);

        var vnpay = Assert.Single(results);
        Assert.Equal(("vnpay", true, null), (vnpay.Upstream, vnpay.Ok, vnpay.Error));
        var sent = (await GatewayFactory.WireMock.FindRequestsAsync("POST", PaymentTestKit.QuerydrPath)).Single().BodyAsJson()!;
        Assert.StartsWith("PROBE", sent.Str("vnp_TxnRef"));
    }

    [Fact]
    public async Task Probe_VnpayAnswerWithBadHashOrDown_NotOkWithReason()
    {
        var (factory, _, client) = await StartAsync();
        using var f = factory;
        using var c = client;
        await GatewayFactory.WireMock.AddMappingAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["priority"] = 1,
            ["request"] = new System.Text.Json.Nodes.JsonObject { ["method"] = "POST", ["urlPath"] = PaymentTestKit.QuerydrPath },
            ["response"] = new System.Text.Json.Nodes.JsonObject
            {
                ["status"] = 200,
                ["headers"] = new System.Text.Json.Nodes.JsonObject { ["Content-Type"] = "application/json" },
                ["bodyFileName"] = "vnpay/querydr-bad-hash.json",
            },
        });
        var probe = factory.Services.GetServices<IConnectorProbe>().Single(p => p.Connector == "Payment");

        var result = Assert.Single(await probe.ProbeAsync(CancellationToken.None));

        Assert.False(result.Ok);
        Assert.Contains("does not verify", result.Error);
    }
}
