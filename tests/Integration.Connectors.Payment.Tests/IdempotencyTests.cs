using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment.Tests;

/// <summary>Idempotency keys on payment creation, on SQLite and on PostgreSQL.</summary>
public abstract class IdempotencyTests(bool postgres) : BothStores(postgres)
{
    public sealed class Sqlite() : IdempotencyTests(postgres: false);

    public sealed class Postgres() : IdempotencyTests(postgres: true);

    [Fact]
    public async Task Create_SameKeySameBody_SameStatusAndBodyAndOnePayment()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var first = await PaymentTestKit.PostPaymentAsync(client, "replay-1", PaymentTestKit.VnpayBody());
        using var second = await PaymentTestKit.PostPaymentAsync(client, "replay-1", PaymentTestKit.VnpayBody());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_SameKeyAfterPaymentWasPaid_StillTheStoredAnswer()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var first = await PaymentTestKit.PostPaymentAsync(client, "replay-paid", PaymentTestKit.VnpayBody(20_000));
        var created = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        await PaymentTestKit.SendIpnAsync(client, PaymentTestKit.IpnQuery(created.Str("reference")!, 20_000));

        using var again = await PaymentTestKit.PostPaymentAsync(client, "replay-paid", PaymentTestKit.VnpayBody(20_000));

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(created.ToJsonString(), JsonNode.Parse(await again.Content.ReadAsStringAsync())!.ToJsonString());
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_SameKeyAfterItsRecordWasDeleted_422AndStillOnePayment()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var first = await PaymentTestKit.PostPaymentAsync(client, "kept-1", PaymentTestKit.VietQrBody());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        // The retention cleanup deletes the record (after 24 h); the payment it made stays.
        await factory.Services.GetRequiredService<Integration.Connectors.Payment.Store.PaymentStore>().DeleteIdempotencyRecordsBeforeAsync(long.MaxValue, default);

        using var again = await PaymentTestKit.PostPaymentAsync(client, "kept-1", PaymentTestKit.VietQrBody());
        using var andAgain = await PaymentTestKit.PostPaymentAsync(client, "kept-1", PaymentTestKit.VietQrBody());
        using var newKey = await PaymentTestKit.PostPaymentAsync(client, "kept-2", PaymentTestKit.VietQrBody());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Equal("idempotency_key_reused", (await PaymentTestKit.ProblemAsync(again)).Str("code"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, andAgain.StatusCode); // the claim was given back, not left in flight
        Assert.Equal(HttpStatusCode.Created, newKey.StatusCode);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory, "kept-1"));
    }

    [Fact]
    public async Task Create_SameKeyOtherBody_422AndNoSecondPayment()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var first = await PaymentTestKit.PostPaymentAsync(client, "reuse-1", PaymentTestKit.VnpayBody(180_000));

        using var other = await PaymentTestKit.PostPaymentAsync(client, "reuse-1", PaymentTestKit.VnpayBody(190_000));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal("idempotency_key_reused", (await PaymentTestKit.ProblemAsync(other)).Str("code"));
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_MissingKey_400AndNothingStored()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await PaymentTestKit.PostPaymentAsync(client, null, PaymentTestKit.VnpayBody());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("idempotency_key_missing", (await PaymentTestKit.ProblemAsync(response)).Str("code"));
        Assert.Equal(0, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_OverlongKey_400()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await PaymentTestKit.PostPaymentAsync(client, new string('k', 256), PaymentTestKit.VnpayBody());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_idempotency_key", (await PaymentTestKit.ProblemAsync(response)).Str("code"));
    }

    [Fact]
    public async Task Create_TwentyConcurrentWhileFirstInFlight_Nineteen409ThenOne201()
    {
        var claimed = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooks = new PaymentCreationHooks
        {
            AfterClaim = async _ =>
            {
                Interlocked.Increment(ref claimed);
                await release.Task;
            },
        };
        using var factory = Gateway(services: s => s.AddSingleton(hooks));
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await PaymentTestKit.CountPaymentsAsync(factory); // host and schema up before the burst

        var requests = Enumerable.Range(0, 20)
            .Select(_ => Task.Run(() => PaymentTestKit.PostPaymentAsync(client, "concurrent-1", PaymentTestKit.VietQrBody())))
            .ToList();
        await Eventually.TrueAsync(() => requests.Count(r => r.IsCompleted) == 19, "19 requests answered while the first holds the key");

        var inFlight = requests.Single(r => !r.IsCompleted);
        var conflicts = requests.Where(r => r != inFlight).Select(r => r.Result).ToList();
        foreach (var conflict in conflicts)
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("idempotency_key_in_flight", (await PaymentTestKit.ProblemAsync(conflict)).Str("code"));
            Assert.NotNull(conflict.Headers.RetryAfter);
        }

        release.SetResult();
        using var winner = await inFlight.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.Created, winner.StatusCode);
        Assert.Equal(1, claimed);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));

        using var retry = await PaymentTestKit.PostPaymentAsync(client, "concurrent-1", PaymentTestKit.VietQrBody());
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(await winner.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        conflicts.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Create_TwentyConcurrentSameKey_ExactlyOnePaymentEveryAnswer201SameBodyOr409()
    {
        using var factory = Gateway();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await PaymentTestKit.CountPaymentsAsync(factory);
        using var start = new ManualResetEventSlim();

        var requests = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            using var response = await PaymentTestKit.PostPaymentAsync(client, "burst-1", PaymentTestKit.VnpayBody());
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        })).ToList();
        start.Set();
        var answers = await Task.WhenAll(requests);

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{a.StatusCode}: {a.Body}"));
        var bodies = answers.Where(a => a.StatusCode == HttpStatusCode.Created).Select(a => a.Body).Distinct().ToList();
        Assert.Single(bodies);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_FirstHolderStuckPastItsLease_409ThenTakenOverOnceAndTheLateHolderGetsTheSameAnswer()
    {
        var time = new FakeTimeProvider(TestClock.Start);
        var calls = 0;
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooks = new PaymentCreationHooks
        {
            // The first holder hangs between claiming the key and writing the payment (a dead or frozen instance).
            AfterClaim = _ => Interlocked.Increment(ref calls) == 1 ? stuck.Task : Task.CompletedTask,
        };
        using var factory = Gateway(time, services: s => s.AddSingleton(hooks));
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var first = Task.Run(() => PaymentTestKit.PostPaymentAsync(client, "stuck-1", PaymentTestKit.VnpayBody()));
        await Eventually.TrueAsync(() => Volatile.Read(ref calls) == 1, "the first request holds the key");
        using var blocked = await PaymentTestKit.PostPaymentAsync(client, "stuck-1", PaymentTestKit.VnpayBody());
        time.Advance(TimeSpan.FromSeconds(31)); // past the 30 s in-flight lease
        using var otherBody = await PaymentTestKit.PostPaymentAsync(client, "stuck-1", PaymentTestKit.VnpayBody(1_000_000));
        using var takenOver = await PaymentTestKit.PostPaymentAsync(client, "stuck-1", PaymentTestKit.VnpayBody());
        stuck.SetResult();
        using var late = await first.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Conflict, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherBody.StatusCode);
        Assert.Equal(HttpStatusCode.Created, takenOver.StatusCode);
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        Assert.Equal(await takenOver.Content.ReadAsStringAsync(), await late.Content.ReadAsStringAsync());
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_FailsAfterClaiming_500AndTheKeyIsFreeAtOnce()
    {
        var calls = 0;
        var hooks = new PaymentCreationHooks
        {
            AfterClaim = _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("store hiccup") : Task.CompletedTask,
        };
        using var factory = Gateway(services: s => s.AddSingleton(hooks));
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var failed = await PaymentTestKit.PostPaymentAsync(client, "fail-1", PaymentTestKit.VnpayBody());
        using var retry = await PaymentTestKit.PostPaymentAsync(client, "fail-1", PaymentTestKit.VnpayBody());

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("internal_error", (await PaymentTestKit.ProblemAsync(failed)).Str("code"));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
    }
}
