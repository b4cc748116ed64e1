using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Integration.Connectors.Payment.Tests;

/// <summary>The gateway as a real process on a SQLite file, killed with SIGKILL in the middle of a burst of payment creations.</summary>
public sealed class GatewayCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkill_DuringBurstOfCreations_EveryAcknowledgedPaymentFoundAgainByItsKeyAndNoneDuplicated()
    {
        using var files = new GatewayFactory(); // never started: it only provides a fresh SQLite file and the test settings
        var settings = files.BaseSettings();
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Connectors:Payment:Idempotency:InFlightLease"] = "00:00:02";
        using var gateway = new GatewayProcess(settings);
        await gateway.StartAsync();
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);

        var acknowledged = new ConcurrentDictionary<string, string>(); // key → 201 body
        var sent = new ConcurrentDictionary<string, JsonObject>();
        var killed = 0;
        var sentAfterKill = 0;
        const int killAfter = 60;
        await Parallel.ForEachAsync(Enumerable.Range(0, 400), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            // A few requests still go out after the kill, as a desk's would: they get no answer either. (Every request in
            // flight at the kill may have been answered already: the gateway can be faster than this client reads.)
            if (Volatile.Read(ref killed) == 1 && Interlocked.Increment(ref sentAfterKill) > 8)
            {
                return;
            }

            var key = $"burst-{i:D3}";
            var body = i % 2 == 0 ? PaymentTestKit.VnpayBody(10_000 + i) : PaymentTestKit.VietQrBody(10_000 + i);
            sent[key] = body;
            try
            {
                using var response = await PaymentTestKit.PostPaymentAsync(client, key, body);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged[key] = await response.Content.ReadAsStringAsync();
                    if (acknowledged.Count >= killAfter && Interlocked.Exchange(ref killed, 1) == 0)
                    {
                        gateway.Kill();
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                // Killed while this request was in flight, or sent after: its outcome is unknown to the caller.
            }
        });

        Assert.Equal(1, killed);
        var unknown = sent.Keys.Except(acknowledged.Keys).ToList();
        Assert.NotEmpty(unknown); // in flight when the process died, or sent after it: no answer

        await gateway.StartAsync();

        foreach (var (key, body) in acknowledged)
        {
            var paymentId = JsonNode.Parse(body).Str("paymentId")!;
            var status = await PaymentTestKit.GetPaymentAsync(client, paymentId);
            Assert.Equal(JsonNode.Parse(body).Str("reference"), status.Str("reference"));
            using var replay = await PaymentTestKit.PostPaymentAsync(client, key, sent[key]);
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal(body, await replay.Content.ReadAsStringAsync());
        }

        // The caller retries what it never got an answer for: each becomes one payment (again or for the first time).
        var recovered = new Dictionary<string, string>();
        int replayed = 0, waitedForLease = 0;
        foreach (var key in unknown)
        {
            var conflicted = false;
            await Eventually.TrueAsync(async () =>
            {
                using var retry = await PaymentTestKit.PostPaymentAsync(client, key, sent[key]);
                if (retry.StatusCode == HttpStatusCode.Conflict)
                {
                    conflicted = true;
                    return false; // claimed by the killed process, not written: free again when its lease ends
                }

                Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
                replayed += retry.Headers.Contains("Idempotent-Replayed") ? 1 : 0;
                recovered[key] = JsonNode.Parse(await retry.Content.ReadAsStringAsync()).Str("paymentId")!;
                return true;
            }, $"a retry of {key} after the restart");
            waitedForLease += conflicted ? 1 : 0;
        }

        output.WriteLine($"sent {sent.Count}, acknowledged {acknowledged.Count}, unanswered {unknown.Count} " +
            $"(on retry: {replayed} written before the kill and replayed, {waitedForLease} claimed but not written and blocked until the lease ended, " +
            $"{unknown.Count - replayed} created by the retry)");

        gateway.Kill();
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection(files.StoreConnectionString);
        var perKey = (await connection.QueryAsync<(string Key, long Count, string Id)>(
            "SELECT idempotency_key, COUNT(*), MIN(id) FROM payments GROUP BY client, idempotency_key")).ToList();
        Assert.All(perKey, p => Assert.Equal(1, p.Count));
        Assert.Equal(sent.Count, perKey.Count);
        var idByKey = perKey.ToDictionary(p => p.Key, p => p.Id);
        foreach (var (key, body) in acknowledged)
        {
            Assert.Equal(JsonNode.Parse(body).Str("paymentId"), idByKey[key]);
        }

        foreach (var (key, id) in recovered)
        {
            Assert.Equal(id, idByKey[key]);
        }
    }
}
