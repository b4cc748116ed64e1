using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Integration.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>One of two gateway processes on one PostgreSQL database killed with SIGKILL in the middle of a burst of payment creations.</summary>
public sealed class GatewayKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Sigkill_OneOfTwoInstancesDuringPayments_OtherKeepsServingAndNothingLostOrDuplicated()
    {
        var database = await TestServers.Postgres.CreateDatabaseAsync();
        var settings = TestGateways.Settings(new GatewayFactoryOptions
        {
            StoreConnectionString = database,
            Settings = { ["Connectors:Payment:Idempotency:InFlightLease"] = "00:00:02" },
        });
        using var a = new GatewayProcess(settings);
        using var b = new GatewayProcess(settings);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());
        using var clientA = a.CreateClient(GatewayFactory.DeskKey);
        using var clientB = b.CreateClient(GatewayFactory.DeskKey);

        var run = Guid.NewGuid().ToString("N")[..6];
        var sent = new ConcurrentDictionary<string, JsonObject>();
        var acknowledged = new ConcurrentDictionary<string, string>(); // key → 201 body
        var failedOver = 0;
        var writtenByADying = 0;
        var answeredByBAfterKill = 0;
        var bRefusals = new ConcurrentQueue<string>();
        var killed = 0;
        const int killAfter = 80;

        // Like a load balancer: half the keys go to A; when A does not answer, the same request goes to B.
        await Parallel.ForEachAsync(Enumerable.Range(0, 480), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var key = $"kill-{run}-{i:D3}";
            var body = i % 2 == 0 ? Api.VnpayBody(10_000 + i) : Api.VietQrBody(10_000 + i);
            sent[key] = body;
            if (i % 2 == 0)
            {
                try
                {
                    using var onA = await Api.PostPaymentAsync(clientA, key, body);
                    if (onA.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged[key] = await onA.Content.ReadAsStringAsync();
                    }

                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
                {
                    Interlocked.Increment(ref failedOver); // A died with this request in flight, or before it
                }
            }

            using var onB = await Api.PostPaymentAsync(clientB, key, body);
            if (i % 2 == 0 && onB.Headers.Contains("Idempotent-Replayed"))
            {
                Interlocked.Increment(ref writtenByADying); // A wrote it, then died before answering
            }

            if (Volatile.Read(ref killed) == 1)
            {
                Interlocked.Increment(ref answeredByBAfterKill);
            }

            if (onB.StatusCode == HttpStatusCode.Created)
            {
                acknowledged[key] = await onB.Content.ReadAsStringAsync();
                if (acknowledged.Count >= killAfter && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    a.Kill();
                }
            }
            else
            {
                // Only a key A had claimed when it died may be refused (in flight until its lease ends).
                var code = await Api.ProblemCodeAsync(onB);
                if (code != "idempotency_key_in_flight")
                {
                    bRefusals.Enqueue($"{key}: HTTP {(int)onB.StatusCode} {code}");
                }
            }
        });

        Assert.Equal(1, killed);
        Assert.Empty(bRefusals);
        Assert.True(failedOver > 0, "some requests were sent to A after it died");
        Assert.True(answeredByBAfterKill > 0);

        await a.StartAsync();
        using var restartedA = a.CreateClient(GatewayFactory.DeskKey);

        // Every acknowledged payment is found through both instances, and its key replays the same answer.
        foreach (var (key, body) in acknowledged)
        {
            var id = JsonNode.Parse(body).Str("paymentId");
            foreach (var client in new[] { restartedA, clientB })
            {
                using var status = await client.GetAsync($"{Api.PaymentsPath}/{id}");
                Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            }

            using var replay = await Api.PostPaymentAsync(restartedA, key, sent[key]);
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal(body, await replay.Content.ReadAsStringAsync());
        }

        // What never got an answer is retried: one payment each.
        var unanswered = sent.Keys.Except(acknowledged.Keys).ToList();
        var retried = new Dictionary<string, string>();
        var replayed = 0;
        foreach (var key in unanswered)
        {
            await Eventually.TrueAsync(async () =>
            {
                using var retry = await Api.PostPaymentAsync(restartedA, key, sent[key]);
                if (retry.StatusCode == HttpStatusCode.Conflict)
                {
                    return false;
                }

                Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
                replayed += retry.Headers.Contains("Idempotent-Replayed") ? 1 : 0;
                retried[key] = (await Api.JsonAsync(retry)).Str("paymentId")!;
                return true;
            }, $"a retry of {key}");
        }

        await using var connection = new NpgsqlConnection(database);
        var payments = (await connection.QueryAsync<(string Key, long Count, string Id)>(
            "SELECT idempotency_key, COUNT(*), MIN(id) FROM payments GROUP BY idempotency_key")).ToDictionary(p => p.Key);
        Assert.Equal(sent.Count, payments.Count);
        Assert.All(payments.Values, p => Assert.Equal(1, p.Count));
        foreach (var (key, body) in acknowledged)
        {
            Assert.Equal(JsonNode.Parse(body).Str("paymentId"), payments[key].Id);
        }

        foreach (var (key, id) in retried)
        {
            Assert.Equal(id, payments[key].Id);
        }

        output.WriteLine($"{sent.Count} creations: {acknowledged.Count} acknowledged, {failedOver} sent to A after or while it died and passed on to B " +
            $"({writtenByADying} of them written by A before it died, replayed by B), " +
            $"{answeredByBAfterKill} answered by B after the kill; {unanswered.Count} unanswered retried after A's restart " +
            $"({replayed} had been written and were replayed, {unanswered.Count - replayed} created by the retry); one payment per key");
    }
}
