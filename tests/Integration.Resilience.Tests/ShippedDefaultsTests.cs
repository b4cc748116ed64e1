using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// The interactive connectors with the resilience defaults they ship (no test settings), against an upstream that
/// resets every connection (WireMock's CONNECTION_RESET_BY_PEER), called the way a desk calls: one check every few
/// minutes. Each check answers within 3 s; within 10 checks the circuit is open and checks are refused in
/// milliseconds without reaching the upstream; after the break one check goes through and, answered, closes it.
/// The gateway runs on a fake clock so minutes between calls and the break pass without waiting.
/// </summary>
public sealed class ShippedDefaultsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Slower than the desk's usual few calls a minute.</summary>
    private static readonly TimeSpan BetweenCalls = TimeSpan.FromMinutes(4);

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => GatewayFactory.WireMock.ResetAsync();

    [Fact]
    public Task CitizenVerify_C06RefusesEveryConnection_AnswersWithin3sOpensWithin10CallsClosesAfterBreak()
    {
        var n = 0;
        return RunAsync("Identity", "c06", Api.C06Path, client => Api.VerifyAsync(client, Api.Unknown(++n)));
    }

    [Fact]
    public Task SubscriberCheck_ViettelRefusesEveryConnection_AnswersWithin3sOpensWithin10CallsClosesAfterBreak()
    {
        var n = 0;
        return RunAsync("Telco", "viettel", "/viettel/v1/subscribers/ownership",
            client => Api.CheckSubscriberAsync(client, Api.ViettelNumber, Api.Unknown(++n).IdNumber));
    }

    private async Task RunAsync(string connector, string upstream, string path, Func<HttpClient, Task<HttpResponseMessage>> call)
    {
        var time = new FakeTimeProvider(TestClock.Start);
        using var gateway = new GatewayFactory(new GatewayFactoryOptions
        {
            ShippedResilience = true,
            Time = time,
            Settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Error" },
        });
        using var desk = gateway.CreateClient(GatewayFactory.DeskKey);
        using var ops = gateway.CreateClient(GatewayFactory.OpsKey);
        desk.Timeout = ops.Timeout = TimeSpan.FromSeconds(30);

        // A first answered call, as on any working morning (it also fetches the LGSP token the C06 check needs).
        var (healthy, _, _, _) = await TimedAsync(time, () => call(desk));
        Assert.Equal(HttpStatusCode.OK, healthy);

        var fault = await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["urlPath"] = path, ["method"] = "ANY" },
            ["response"] = new JsonObject { ["fault"] = "CONNECTION_RESET_BY_PEER" },
        });

        var failing = 0;
        while (true)
        {
            Assert.True(failing < 10, $"{connector}/{upstream}: circuit still closed after {failing} failing calls");
            var (status, code, wall, clock) = await TimedAsync(time, () => call(desk));
            failing++;
            output.WriteLine($"call {failing}: {status} {code} in {wall.TotalMilliseconds:F0} ms ({clock.TotalMilliseconds:F0} ms on the gateway's clock)");
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "upstream_unavailable"), (status, code));
            Assert.True(wall < TimeSpan.FromSeconds(3) && clock < TimeSpan.FromSeconds(3), $"call {failing} took {wall} ({clock} on the gateway's clock)");
            if (await Api.CircuitAsync(ops, connector, upstream) == "open")
            {
                break;
            }

            time.Advance(BetweenCalls);
        }

        // Open: refused at once, and the upstream sees nothing.
        var reached = await GatewayFactory.WireMock.CountRequestsAsync("ANY", path);
        for (var i = 0; i < 3; i++)
        {
            var started = Stopwatch.StartNew();
            using var refused = await call(desk);
            var took = started.Elapsed;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("upstream_unavailable", await Api.ProblemCodeAsync(refused));
            Assert.NotNull(refused.Headers.RetryAfter);
            Assert.True(took < TimeSpan.FromMilliseconds(250), $"a refused call took {took.TotalMilliseconds:F0} ms");
            output.WriteLine($"refused in {took.TotalMilliseconds:F1} ms");
        }

        Assert.Equal(reached, await GatewayFactory.WireMock.CountRequestsAsync("ANY", path));

        // After the break one call goes through; answered, it closes the circuit.
        await GatewayFactory.WireMock.RemoveMappingAsync(fault);
        time.Advance(TimeSpan.FromSeconds(30));
        var (after, _, _, _) = await TimedAsync(time, () => call(desk));
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal(reached + 1, await GatewayFactory.WireMock.CountRequestsAsync("ANY", path));
        Assert.Equal("closed", await Api.CircuitAsync(ops, connector, upstream));
    }

    /// <summary>
    /// Runs a call while moving the gateway's clock on about as fast as the wall clock, so its retry delays and timeouts pass;
    /// returns the status, problem code, and the time the call took on the wall clock and on the gateway's clock.
    /// </summary>
    private static async Task<(HttpStatusCode Status, string? Code, TimeSpan Wall, TimeSpan Clock)> TimedAsync(FakeTimeProvider time, Func<Task<HttpResponseMessage>> send)
    {
        var wall = Stopwatch.StartNew();
        var from = time.GetUtcNow();
        var call = send();
        await Poll.UntilAsync(
            () =>
            {
                if (!call.IsCompleted)
                {
                    time.Advance(TimeSpan.FromMilliseconds(10));
                }

                return Task.FromResult(call.IsCompleted);
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(10));
        using var response = await call;
        var elapsed = wall.Elapsed;
        var clock = time.GetUtcNow() - from;
        return (response.StatusCode, response.IsSuccessStatusCode ? null : await Api.ProblemCodeAsync(response), elapsed, clock);
    }
}
