using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Integration.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// Two gateway processes on loopback ports sharing one PostgreSQL database and one Redis (same privacy keys), as
/// behind a load balancer: idempotency, L2 cache, scheduled jobs and operator controls hold across the pair.
/// </summary>
public sealed class ScaleOutTests(ScaleOutTests.Pair pair, ITestOutputHelper output) : IClassFixture<ScaleOutTests.Pair>, IAsyncLifetime
{
    private const long SlotMs = 2000;

    /// <summary>The pair for these tests: PostgreSQL and the test Redis, reconciliation every 2 s, fast control sync.</summary>
    public sealed class Pair : GatewayPair
    {
        protected override GatewayFactoryOptions Options(string database) => new GatewayFactoryOptions
        {
            StoreConnectionString = database,
            Redis = true,
            Settings =
            {
                // Its own keys in the shared test Redis, so no other test's entries are read.
                ["Redis:KeyPrefix"] = "gw-pair-" + Guid.NewGuid().ToString("N")[..8] + ":",
                // Reconciliation every 2 s, asking VNPAY about every pending VNPAY payment at once.
                ["Connectors:Payment:Reconciliation:Schedule"] = "0/2 * * * * ?",
                ["Connectors:Payment:Reconciliation:PendingAge"] = "00:00:00",
                ["Gateway:Controls:SyncInterval"] = "00:00:00.200",
            },
        };
    }

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Create_SameIdempotencyKeyOnBothInstancesAtOnce_OnePaymentPerKey()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var b = pair.B.CreateClient(GatewayFactory.DeskKey);
        var run = Guid.NewGuid().ToString("N")[..8];
        const int keys = 120;
        var results = new ConcurrentDictionary<string, (Outcome A, Outcome B)>();

        await Parallel.ForEachAsync(Enumerable.Range(0, keys), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var key = $"pair-{run}-{i:D3}";
            var body = Api.VietQrBody(20_000 + i);
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var onA = Task.Run(async () => { await start.Task; return await SendAsync(a, key, body); }, ct);
            var onB = Task.Run(async () => { await start.Task; return await SendAsync(b, key, body); }, ct);
            start.SetResult();
            results[key] = (await onA, await onB);
        });

        int created = 0, replayedBoth = 0, conflicts = 0;
        var idByKey = new Dictionary<string, string>();
        foreach (var (key, (onA, onB)) in results)
        {
            var outcomes = new[] { onA, onB };
            Assert.All(outcomes, o => Assert.True(o.Status is 201 or 409, $"{key}: HTTP {o.Status} {o.Body}"));
            var winners = outcomes.Where(o => o.Status == 201 && !o.Replayed).ToList();
            Assert.True(winners.Count == 1, $"{key}: {winners.Count} creations ({onA.Status}/{onB.Status})");
            var id = winners[0].PaymentId!;
            idByKey[key] = id;
            created++;
            foreach (var other in outcomes.Where(o => !ReferenceEquals(o, winners[0])))
            {
                if (other.Status == 201)
                {
                    replayedBoth++;
                    Assert.Equal(id, other.PaymentId);
                    Assert.Equal(winners[0].Body, other.Body);
                }
                else
                {
                    conflicts++;
                    Assert.Equal("idempotency_key_in_flight", other.Code);
                }
            }
        }

        // The losers that got 409 retry, on the other instance: the stored answer, the same payment.
        foreach (var (key, (onA, onB)) in results.Where(r => r.Value.A.Status == 409 || r.Value.B.Status == 409))
        {
            var retry = await SendAsync(onA.Status == 409 ? b : a, key, Api.VietQrBody(20_000 + int.Parse(key[^3..], CultureInfo.InvariantCulture)));
            Assert.Equal(201, retry.Status);
            Assert.True(retry.Replayed);
            Assert.Equal(idByKey[key], retry.PaymentId);
        }

        await using var connection = new NpgsqlConnection(pair.Database);
        var rows = (await connection.QueryAsync<(string Key, long Count, string Id)>(
            "SELECT idempotency_key, COUNT(*), MIN(id) FROM payments WHERE idempotency_key LIKE @prefix GROUP BY idempotency_key",
            new { prefix = $"pair-{run}-%" })).ToList();
        Assert.Equal(keys, rows.Count);
        Assert.All(rows, r => Assert.Equal(1, r.Count));
        Assert.All(rows, r => Assert.Equal(idByKey[r.Key], r.Id));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(?!vnpay/).*", regex: true)); // creation calls no upstream
        output.WriteLine($"{keys} keys, each sent to both instances at once: {created} payments; the other request got " +
            $"the stored answer (201 replayed) {replayedBoth} times and 409 idempotency_key_in_flight {conflicts} times");
        Assert.True(conflicts + replayedBoth == keys);
    }

    [Fact]
    public async Task Verify_AnsweredByOneInstance_IsServedFromL2ByTheOther()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var b = pair.B.CreateClient(GatewayFactory.DeskKey);
        var citizen = Api.Unknown(RandomNumberGenerator.GetInt32(100_000, 999_999));

        using var first = await Api.VerifyAsync(a, citizen);
        Assert.True(first.IsSuccessStatusCode, $"HTTP {(int)first.StatusCode}: {Api.Shorten(await first.Content.ReadAsStringAsync())}");
        using var second = await Api.VerifyAsync(b, citizen);

        var one = await Api.JsonAsync(first);
        var two = await Api.JsonAsync(second);
        Assert.Equal(("not_found", "upstream"), (one.Str("result"), one.Str("source")));
        Assert.Equal(("not_found", "cache"), (two.Str("result"), two.Str("source")));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", Api.C06Path));

        // And the other way round, for the Telco connector.
        var owner = Api.Unknown(RandomNumberGenerator.GetInt32(100_000, 999_999)).IdNumber;
        using var third = await Api.CheckSubscriberAsync(b, Api.ViettelNumber, owner);
        using var fourth = await Api.CheckSubscriberAsync(a, Api.ViettelNumber, owner);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fourth.StatusCode);
        Assert.Equal((await Api.JsonAsync(third)).Str("ownership"), (await Api.JsonAsync(fourth)).Str("ownership"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }

    [Fact]
    public async Task CacheClear_OnOneInstance_TheOtherAsksTheUpstreamAgain()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var b = pair.B.CreateClient(GatewayFactory.DeskKey);
        using var opsA = pair.A.CreateClient(GatewayFactory.OpsKey);
        var citizen = Api.Unknown(RandomNumberGenerator.GetInt32(100_000, 999_999));
        using var first = await Api.VerifyAsync(a, citizen);
        using var cached = await Api.VerifyAsync(b, citizen);
        Assert.Equal("cache", (await Api.JsonAsync(cached)).Str("source"));

        using var cleared = await opsA.PostAsync("/api/v1/connectors/Identity/cache/clear", null);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);

        // The backplane reaches B asynchronously: its next checks ask C06 again, once the message is in.
        await Eventually.TrueAsync(async () =>
        {
            using var again = await Api.VerifyAsync(b, citizen);
            return (await Api.JsonAsync(again)).Str("source") == "upstream";
        }, "instance B drops the answer instance A's operator cleared");
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", Api.C06Path));
    }

    [Fact]
    public async Task Reconciliation_ScheduledOnBothInstances_RunsOncePerSlot()
    {
        using var a = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var created = await Api.PostPaymentAsync(a, "jobs-" + Guid.NewGuid().ToString("N"), Api.VnpayBody(180_000));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var payment = await Api.JsonAsync(created);
        var reference = payment.Str("reference")!;
        // VNPAY says "still pending" every time: the payment stays pending, so every run asks about it again.
        var pending = await GatewayFactory.WireMock.AddMappingAsync(Vnpay.QuerydrMapping(reference, Vnpay.QuerydrAnswer(reference, 180_000, "01")));
        var pattern = Vnpay.QuerydrPattern(reference);

        await Eventually.TrueAsync(async () => await GatewayFactory.WireMock.CountRequestsAsync(pattern) >= 1, "the first reconciliation run asks about the payment");
        // Slot first, then count (and count, then slot at the end): a slot a busy node fires late, right after the
        // previous one, is then counted on both sides or on neither.
        var firstSlot = await LastFiredSlotAsync();
        var before = await GatewayFactory.WireMock.CountRequestsAsync(pattern);
        await Eventually.TrueAsync(async () => await LastFiredSlotAsync() >= firstSlot + TimeSpan.FromMilliseconds(6 * SlotMs), "six more slots", TimeSpan.FromSeconds(40));
        var after = await GatewayFactory.WireMock.CountRequestsAsync(pattern);
        var lastSlot = await LastFiredSlotAsync();
        var nodes = await ClusterNodesAsync();

        // One trigger in Quartz's clustered store, fired by whichever instance acquires it: one run per slot. Two
        // instances each running every slot would ask about twice as often.
        var slots = (long)((lastSlot - firstSlot) / TimeSpan.FromMilliseconds(SlotMs));
        var queries = after - before;
        output.WriteLine($"{slots} slots fired, {queries} querydr calls in them; cluster nodes checked in: {string.Join(", ", nodes)} " +
            $"(instances: pid {pair.A.ProcessId}, pid {pair.B.ProcessId})");
        await using (var connection = new NpgsqlConnection(pair.Database))
        {
            var runs = await connection.QueryAsync<(long At, long Attempts, string Outcome)>(
                "SELECT at, attempts, outcome FROM monitoring_records WHERE client = 'job:payment-reconciliation' AND operation = 'querydr' ORDER BY at");
            output.WriteLine("reconciliation querydr calls (at, attempts, outcome): " + string.Join("; ", runs.Select(r => $"{r.At % 100_000} {r.Attempts} {r.Outcome}")));
        }

        Assert.Equal(2, nodes.Count);
        Assert.InRange(queries, slots - 2, slots + 2);

        // VNPAY now says paid: the next run settles the payment, and it is not asked about again.
        await GatewayFactory.WireMock.RemoveMappingAsync(pending);
        await GatewayFactory.WireMock.AddMappingAsync(Vnpay.QuerydrMapping(reference, Vnpay.QuerydrAnswer(reference, 180_000, "00")));
        await Eventually.TrueAsync(async () =>
        {
            using var status = await a.GetAsync($"{Api.PaymentsPath}/{payment.Str("paymentId")}");
            return (await Api.JsonAsync(status)).Str("status") == "paid";
        }, "the payment settled as paid by a reconciliation run");
    }

    [Fact]
    public async Task Isolate_OnOneInstance_FailsFastOnTheOtherUntilClosedThere()
    {
        using var opsA = pair.A.CreateClient(GatewayFactory.OpsKey);
        using var opsB = pair.B.CreateClient(GatewayFactory.OpsKey);
        using var deskB = pair.B.CreateClient(GatewayFactory.DeskKey);
        var owner = Api.Unknown(RandomNumberGenerator.GetInt32(100_000, 999_999)).IdNumber;
        try
        {
            using var isolated = await opsA.PostAsync("/api/v1/connectors/Telco/isolate", null);
            Assert.Equal(HttpStatusCode.OK, isolated.StatusCode);

            await Eventually.TrueAsync(async () => await Api.CircuitAsync(opsB, "Telco", "viettel") == "isolated", "instance B applies the isolation");
            using var refused = await Api.CheckSubscriberAsync(deskB, Api.ViettelNumber, owner);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("upstream_unavailable", await Api.ProblemCodeAsync(refused));
            Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(mnp|viettel)/.*", regex: true));
        }
        finally
        {
            using var closed = await opsB.PostAsync("/api/v1/connectors/Telco/close", null);
            Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        }

        await Eventually.TrueAsync(async () => await Api.CircuitAsync(opsA, "Telco", "viettel") != "isolated", "instance A applies the close");
        using var deskA = pair.A.CreateClient(GatewayFactory.DeskKey);
        using var answered = await Api.CheckSubscriberAsync(deskA, Api.ViettelNumber, owner);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    /// <summary>The reconciliation trigger's last fire time, as Quartz's clustered store recorded it (UTC ticks).</summary>
    private async Task<TimeSpan> LastFiredSlotAsync()
    {
        await using var connection = new NpgsqlConnection(pair.Database);
        var ticks = await connection.ExecuteScalarAsync<long?>(
            "SELECT prev_fire_time FROM qrtz_triggers WHERE job_name = 'payment-reconciliation'") ?? 0;
        return TimeSpan.FromTicks(ticks);
    }

    /// <summary>The scheduler instances checked in to the cluster.</summary>
    private async Task<IReadOnlyList<string>> ClusterNodesAsync()
    {
        await using var connection = new NpgsqlConnection(pair.Database);
        return (await connection.QueryAsync<string>("SELECT instance_name FROM qrtz_scheduler_state")).ToList();
    }

    private static async Task<Outcome> SendAsync(HttpClient client, string key, JsonNode body)
    {
        using var response = await Api.PostPaymentAsync(client, key, body);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text);
        return new Outcome(
            (int)response.StatusCode,
            response.Headers.Contains("Idempotent-Replayed"),
            response.StatusCode == HttpStatusCode.Created ? json.Str("paymentId") : null,
            response.StatusCode == HttpStatusCode.Created ? null : json.Str("code"),
            text);
    }

    private sealed record Outcome(int Status, bool Replayed, string? PaymentId, string? Code, string Body);
}

/// <summary>VNPAY querydr answers signed with the development secret (VNPAY 2.1.0; docs/upstreams.md, "VNPAY"), for per-test WireMock mappings.</summary>
internal static class Vnpay
{
    public const string Secret = "DEVVNPAYHASHSECRETNOTFORPRODUCTION";

    private static readonly string[] AnswerFields =
    [
        "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef", "vnp_Amount",
        "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus",
        "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount",
    ];

    public static JsonObject QuerydrAnswer(string txnRef, long amountVnd, string transactionStatus)
    {
        var a = new Dictionary<string, string>
        {
            ["vnp_ResponseId"] = Guid.NewGuid().ToString("N"),
            ["vnp_Command"] = "querydr",
            ["vnp_ResponseCode"] = "00",
            ["vnp_Message"] = "QueryDR Success",
            ["vnp_TmnCode"] = "DEVTMN01",
            ["vnp_TxnRef"] = txnRef,
            ["vnp_Amount"] = (amountVnd * 100).ToString(CultureInfo.InvariantCulture),
            ["vnp_BankCode"] = "VCB",
            ["vnp_PayDate"] = "20261125101000",
            ["vnp_TransactionNo"] = "14000777",
            ["vnp_TransactionType"] = "01",
            ["vnp_TransactionStatus"] = transactionStatus,
            ["vnp_OrderInfo"] = "Thanh toan le phi",
            ["vnp_PromotionCode"] = "",
            ["vnp_PromotionAmount"] = "",
        };
        var data = string.Join("|", AnswerFields.Select(f => a[f]));
        var hash = Convert.ToHexStringLower(HMACSHA512.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(data)));
        var json = new JsonObject();
        foreach (var (k, v) in a)
        {
            json[k] = v;
        }

        json["vnp_SecureHash"] = hash;
        return json;
    }

    public static JsonObject QuerydrPattern(string txnRef) => new()
    {
        ["method"] = "POST",
        ["urlPath"] = Api.QuerydrPath,
        ["bodyPatterns"] = new JsonArray(new JsonObject
        {
            ["matchesJsonPath"] = new JsonObject { ["expression"] = "$.vnp_TxnRef", ["equalTo"] = txnRef },
        }),
    };

    public static JsonObject QuerydrMapping(string txnRef, JsonObject answer) => new()
    {
        ["priority"] = 1,
        ["request"] = QuerydrPattern(txnRef),
        ["response"] = new JsonObject
        {
            ["status"] = 200,
            ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
            ["body"] = answer.ToJsonString(),
        },
    };
}
