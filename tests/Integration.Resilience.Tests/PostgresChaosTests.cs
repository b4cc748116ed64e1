using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Integration.Testing;
using Integration.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>The store's PostgreSQL stopped and started again while payments are being created.</summary>
public sealed class PostgresChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Create_WhilePostgresRestarts_AcknowledgedPaymentsKeptAndRetriesNeverDuplicate()
    {
        using var postgres = PostgresServer.StartNew();
        var database = await postgres.CreateDatabaseAsync();
        using var gateway = new GatewayFactory(new GatewayFactoryOptions
        {
            StoreConnectionString = database,
            Settings =
            {
                ["Connectors:Payment:Idempotency:InFlightLease"] = "00:00:02",
                ["Gateway:Clients:0:PermitPerMinute"] = "1000000",
                ["Logging:LogLevel:Default"] = "Critical",
            },
        });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        var run = Guid.NewGuid().ToString("N")[..6];
        var sent = new ConcurrentDictionary<string, JsonObject>();
        var acknowledged = new ConcurrentDictionary<string, string>(); // key → the 201 body
        var refusals = new ConcurrentDictionary<string, int>();         // "503 store_unavailable" → how many

        await using var load = Load.Start(6, async (n, _) =>
        {
            var key = $"pg-{run}-{n:D5}";
            var body = Api.VietQrBody(10_000 + n);
            sent[key] = body;
            using var response = await Api.PostPaymentAsync(client, key, body);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                acknowledged[key] = await response.Content.ReadAsStringAsync();
                return true;
            }

            var code = await Api.ProblemCodeAsync(response);
            // The store's outage is a 503 the caller may retry, never a 500; a key claimed just before it is in flight for a while.
            Assert.True((response.StatusCode, code) is (HttpStatusCode.ServiceUnavailable, "store_unavailable") or (HttpStatusCode.Conflict, "idempotency_key_in_flight"),
                $"{key}: HTTP {(int)response.StatusCode} {code}");
            Assert.NotNull(response.Headers.RetryAfter);
            refusals.AddOrUpdate($"{(int)response.StatusCode} {code}", 1, (_, c) => c + 1);
            return false;
        });

        await Eventually.TrueAsync(() => acknowledged.Count >= 40, "40 payments created before the outage", TimeSpan.FromSeconds(60));
        var ackBefore = acknowledged.Count;
        var outage = Stopwatch.StartNew();
        await postgres.StopAsync();
        await Eventually.TrueAsync(async () => await Api.ReadyAsync(client) == HttpStatusCode.ServiceUnavailable, "/health/ready reports the store down");
        var unreadyAfter = outage.Elapsed;
        await load.WaitForCompletedAsync(load.Completed, 30, "30 creations tried while PostgreSQL is down");
        await postgres.StartAsync();
        var sinceStart = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => await Api.ReadyAsync(client) == HttpStatusCode.OK, "/health/ready is ready again by itself", TimeSpan.FromSeconds(60));
        var readyAfter = sinceStart.Elapsed;
        var ackAtStart = acknowledged.Count;
        await Eventually.TrueAsync(() => acknowledged.Count >= ackAtStart + 40, "40 payments created after the restart", TimeSpan.FromSeconds(60));
        var creatingAfter = sinceStart.Elapsed;
        await load.StopAsync();
        Assert.Empty(load.Unexpected);

        // Every acknowledged payment is there, and its key still answers the same.
        foreach (var (key, body) in acknowledged)
        {
            var id = JsonNode.Parse(body).Str("paymentId");
            using var status = await client.GetAsync($"{Api.PaymentsPath}/{id}");
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
            using var replay = await Api.PostPaymentAsync(client, key, sent[key]);
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal(body, await replay.Content.ReadAsStringAsync());
        }

        // The caller retries what was refused: one payment each (the first, or the one written before the answer was lost).
        var unanswered = sent.Keys.Except(acknowledged.Keys).ToList();
        var retriedIds = new Dictionary<string, string>();
        var replayed = 0;
        foreach (var key in unanswered)
        {
            await Eventually.TrueAsync(async () =>
            {
                using var retry = await Api.PostPaymentAsync(client, key, sent[key]);
                if (retry.StatusCode == HttpStatusCode.Conflict)
                {
                    return false; // claimed before the outage and never written: free again when its lease ends
                }

                Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
                replayed += retry.Headers.Contains("Idempotent-Replayed") ? 1 : 0;
                retriedIds[key] = (await Api.JsonAsync(retry)).Str("paymentId")!;
                return true;
            }, $"a retry of {key}");
        }

        await using var connection = new NpgsqlConnection(database);
        var payments = (await connection.QueryAsync<(string Key, long Count, string Id)>(
            "SELECT idempotency_key, COUNT(*), MIN(id) FROM payments GROUP BY idempotency_key")).ToDictionary(p => p.Key);
        var records = (await connection.QueryAsync<(string Key, string State, string? PaymentId)>(
            "SELECT idem_key, state, payment_id FROM idempotency_records")).ToDictionary(r => r.Key);
        Assert.Equal(sent.Count, payments.Count);
        Assert.All(payments.Values, p => Assert.Equal(1, p.Count));
        foreach (var (key, body) in acknowledged)
        {
            Assert.Equal(JsonNode.Parse(body).Str("paymentId"), payments[key].Id);
            Assert.Equal(payments[key].Id, records[key].PaymentId);
        }

        foreach (var (key, id) in retriedIds)
        {
            Assert.Equal(id, payments[key].Id);
            Assert.Equal(id, records[key].PaymentId);
        }

        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/.*", regex: true));
        output.WriteLine($"{sent.Count} creations: {ackBefore} acknowledged before the stop; /health/ready unready {unreadyAfter.TotalMilliseconds:0} ms after it; " +
            $"refused: {string.Join(", ", refusals.Select(r => $"{r.Value}× {r.Key}"))}; " +
            $"ready {readyAfter.TotalMilliseconds:0} ms after PostgreSQL started again, 40 more created within {creatingAfter.TotalMilliseconds:0} ms; " +
            $"{unanswered.Count} unanswered keys retried: {replayed} had been written (replayed), {unanswered.Count - replayed} created by the retry; no duplicate");
    }
}
