using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Testing;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// The upstreams of the idempotent checks answer with each of WireMock's faults, late, and with a body that
/// trickles: the caller gets a 502/503/504 problem with the right code (never a 500, never a hang), the circuit
/// opens and shows in <c>GET /api/v1/connectors</c>, and once the fault is gone the connector answers again and
/// its circuit closes by itself.
/// </summary>
public sealed class UpstreamFaultTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int DelayMs = 2500;

    /// <summary>WireMock's four faults, an answer later than the attempt timeout, and headers at once with a body that trickles.</summary>
    private static readonly string[] Faults = ["CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE", "MALFORMED_RESPONSE_CHUNK", "RANDOM_DATA_THEN_CLOSE", "DELAY", "SLOW_BODY"];

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => GatewayFactory.WireMock.ResetAsync();

    private static GatewayFactory NewGateway() => new(new GatewayFactoryOptions
    {
        Settings = Resilience("Identity").With(Resilience("Telco")).With(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
        }),
    });

    /// <summary>Attempts of 800 ms, one retry, a circuit that opens after 4 attempts of which half failed and half-opens after 1 s.</summary>
    private static Dictionary<string, string?> Resilience(string connector) => new()
    {
        [$"Connectors:{connector}:Resilience:TotalTimeout"] = "00:00:03",
        [$"Connectors:{connector}:Resilience:AttemptTimeout"] = "00:00:00.800",
        [$"Connectors:{connector}:Resilience:MaxRetryAttempts"] = "1",
        [$"Connectors:{connector}:Resilience:RetryDelay"] = "00:00:00.020",
        [$"Connectors:{connector}:Resilience:MinimumThroughput"] = "4",
        [$"Connectors:{connector}:Resilience:FailureRatio"] = "0.5",
        [$"Connectors:{connector}:Resilience:SamplingDuration"] = "00:00:10",
        [$"Connectors:{connector}:Resilience:BreakDuration"] = "00:00:01",
    };

    [Fact]
    public async Task CitizenVerify_C06FaultsOfEveryKind_ProblemThenOpenCircuitThenRecovery()
    {
        using var gateway = NewGateway();
        var n = 0;
        await RunAsync(gateway, "Identity", "c06", Api.C06Path, client => Api.VerifyAsync(client, Api.Unknown(++n)));
    }

    [Fact]
    public async Task SubscriberCheck_ViettelFaultsOfEveryKind_ProblemThenOpenCircuitThenRecovery()
    {
        using var gateway = NewGateway();
        var n = 0;
        await RunAsync(gateway, "Telco", "viettel", "/viettel/v1/subscribers/ownership",
            client => Api.CheckSubscriberAsync(client, Api.ViettelNumber, Api.Unknown(++n).IdNumber));
    }

    private async Task RunAsync(GatewayFactory gateway, string connector, string upstream, string path, Func<HttpClient, Task<HttpResponseMessage>> call)
    {
        using var desk = gateway.CreateClient(GatewayFactory.DeskKey);
        using var ops = gateway.CreateClient(GatewayFactory.OpsKey);
        desk.Timeout = ops.Timeout = TimeSpan.FromSeconds(30); // a hang fails the test instead of waiting for ever

        using (var healthy = await call(desk))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        foreach (var fault in Faults)
        {
            var mapping = await GatewayFactory.WireMock.AddMappingAsync(FaultMapping(path, fault));
            var seen = new List<string>();

            // Fail until the circuit opens; every answer meanwhile is a gateway problem naming the upstream trouble.
            await Eventually.TrueAsync(async () =>
            {
                using var response = await call(desk);
                var code = await Api.ProblemCodeAsync(response);
                var status = (int)response.StatusCode;
                seen.Add($"{status} {code}");
                var expected = fault is "DELAY" or "SLOW_BODY"
                    ? (status, code) is (504, "upstream_timeout") or (503, "upstream_unavailable")
                    : (status, code) is (503, "upstream_unavailable") or (502, "upstream_error");
                Assert.True(expected, $"{fault}: HTTP {status} {code}");
                return await Api.CircuitAsync(ops, connector, upstream) == "open";
            }, $"{connector}/{upstream} circuit opens under {fault}", TimeSpan.FromSeconds(30));

            // Open: refused at once, without a call to the upstream.
            var before = await GatewayFactory.WireMock.CountRequestsAsync("ANY", path);
            using (var refused = await call(desk))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Equal("upstream_unavailable", await Api.ProblemCodeAsync(refused));
                Assert.NotNull(refused.Headers.RetryAfter);
            }

            Assert.Equal(before, await GatewayFactory.WireMock.CountRequestsAsync("ANY", path));

            await GatewayFactory.WireMock.RemoveMappingAsync(mapping);
            var recovery = Stopwatch.StartNew();
            await Eventually.TrueAsync(async () =>
            {
                using var response = await call(desk);
                return response.StatusCode == HttpStatusCode.OK;
            }, $"{connector}/{upstream} answers again after {fault}", TimeSpan.FromSeconds(30));
            Assert.Equal("closed", await Api.CircuitAsync(ops, connector, upstream));
            output.WriteLine($"{upstream} {fault}: {string.Join(", ", seen.GroupBy(s => s).Select(g => $"{g.Count()}× {g.Key}"))} until open; " +
                $"answering again {recovery.ElapsedMilliseconds} ms after the fault was removed");
        }
    }

    private static JsonObject FaultMapping(string path, string fault) => new()
    {
        ["priority"] = 1,
        ["request"] = new JsonObject { ["urlPath"] = path, ["method"] = "ANY" },
        ["response"] = fault switch
        {
            "DELAY" => new JsonObject { ["status"] = 200, ["body"] = "late", ["fixedDelayMilliseconds"] = DelayMs },
            // Headers at once, then the body in five pieces over 2.5 s.
            "SLOW_BODY" => new JsonObject
            {
                ["status"] = 200,
                ["body"] = new string('x', 500),
                ["chunkedDribbleDelay"] = new JsonObject { ["numberOfChunks"] = 5, ["totalDuration"] = DelayMs },
            },
            _ => new JsonObject { ["fault"] = fault },
        },
    };
}
