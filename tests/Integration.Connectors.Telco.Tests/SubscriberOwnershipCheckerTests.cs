using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Integration.Core.Audit;
using Integration.Core.Monitoring;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Telco.Tests;

/// <summary>Routing, fallback, circuits, cache, audit and logs of the subscriber check, end to end through the host.</summary>
public sealed class SubscriberOwnershipCheckerTests
{
    [Theory]
    [InlineData("0971000009", "mobifone")]   // Viettel prefix 097, now at MobiFone
    [InlineData("0912000009", "viettel")]    // VinaPhone prefix 091, now at Viettel
    [InlineData("0931000009", "vinaphone")]  // MobiFone prefix 093, now at VinaPhone
    public async Task CheckSubscriber_PortedNumber_AsksOnlyItsCurrentCarrier(string phone, string carrier)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone);

        Assert.Equal(carrier, answer.Text("carrier"));
        Assert.Equal("true", answer.Text("ported"));
        Assert.Equal("portability", answer.Text("routedBy"));
        Assert.Equal("owner", answer.Text("ownership"));
        var (viettel, vnpt, mobifone) = await TelcoApi.OwnershipRequestsAsync();
        Assert.Equal(carrier == "viettel" ? 1 : 0, viettel);
        Assert.Equal(carrier == "vinaphone" ? 1 : 0, vnpt);
        Assert.Equal(carrier == "mobifone" ? 1 : 0, mobifone);
        Assert.Equal(carrier == "viettel" ? 1 : 0, await TelcoApi.RequestsAsync("viettel"));
        Assert.Equal(carrier == "vinaphone" ? 2 : 0, await TelcoApi.RequestsAsync("vnpt"));
        Assert.Equal(carrier == "mobifone" ? 1 : 0, await TelcoApi.RequestsAsync("mobifone"));
    }

    [Fact]
    public async Task CheckAsync_BadNumberAndNoPurpose_InvalidWithEveryFieldAndNoUpstreamAsked()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var scope = factory.Services.CreateScope();
        var checker = scope.ServiceProvider.GetRequiredService<ISubscriberOwnershipChecker>();

        var result = await checker.CheckAsync(new SubscriberCheckRequest("12345", TelcoApi.CitizenA), null, CancellationToken.None);

        var invalid = Assert.IsType<TelcoError.Invalid>(result.Error);
        Assert.Equal("validation_failed", invalid.Code);
        Assert.Equal(["phoneNumber", "purpose"], invalid.Errors.Select(e => e.Field));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_NumberNeverIssued_AnswersUnregisteredWithoutAskingACarrier()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0961999999");

        Assert.Equal("unregistered", answer.Text("ownership"));
        Assert.Null(answer["carrier"]);
        Assert.Equal("portability", answer.Text("routedBy"));
        Assert.Contains("chưa được nhà mạng nào cấp", answer.Text("remediation"), StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), await TelcoApi.OwnershipRequestsAsync());
    }

    [Theory]
    [InlineData("0921000001", "vietnamobile", "Vietnamobile")]
    [InlineData("0991000001", "gmobile", "Gmobile")]
    [InlineData("0871000001", "itel", "iTel")]
    [InlineData("0551000001", "reddi", "Reddi")]
    public async Task CheckSubscriber_CarrierWithoutOwnershipService_AnswersUnknownWithTheReason(string phone, string carrier, string name)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone);

        Assert.Equal("unknown", answer.Text("ownership"));
        Assert.Equal("no_ownership_service", answer.Text("reason"));
        Assert.Equal(carrier, answer.Text("carrier"));
        Assert.Contains(name, answer.Text("remediation"), StringComparison.Ordinal);
        Assert.Contains("TTTB gửi 1414", answer.Text("remediation"), StringComparison.Ordinal);
        Assert.Equal((0, 0, 0), await TelcoApi.OwnershipRequestsAsync());
    }

    [Theory]
    [InlineData("0968888001", "viettel")]
    [InlineData("0918888001", "vinaphone")]
    [InlineData("0908888001", "mobifone")]
    public async Task CheckSubscriber_PortabilityDownForTheRange_AsksThePrefixCarrierAndSaysSo(string phone, string carrier)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone);

        Assert.Equal("prefix_fallback", answer.Text("routedBy"));
        Assert.Equal(carrier, answer.Text("carrier"));
        Assert.Null(answer["ported"]);
        Assert.Equal("owner", answer.Text("ownership"));
        Assert.True(await GatewayFactory.WireMock.CountRequestsAsync("GET", $"/mnp/v1/numbers/84{phone[1..]}") >= 1);
    }

    [Fact]
    public async Task CheckSubscriber_PortabilityOutage_FallsBackForEveryNumberUntilItEnds()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:CacheTtl"] = "00:00:00" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await GatewayFactory.WireMock.SetScenarioStateAsync("mnp-outage", "down");

        var during = await TelcoApi.CheckOkAsync(client, "0901000001");
        Assert.Equal("prefix_fallback", during.Text("routedBy"));
        Assert.Equal("owner", during.Text("ownership"));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("Portability lookup failed", StringComparison.Ordinal));

        await GatewayFactory.WireMock.SetScenarioStateAsync("mnp-outage", "Started");
        var after = await TelcoApi.CheckOkAsync(client, "0901000001");
        Assert.Equal("portability", after.Text("routedBy"));
        Assert.Equal("false", after.Text("ported"));
    }

    [Fact]
    public async Task CheckSubscriber_PortabilityDownAndPrefixCarrierHasNoSuchSubscriber_AnswersUnknownNotUnregistered()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0968888404");

        Assert.Equal("unknown", answer.Text("ownership"));
        Assert.Equal("portability_unavailable", answer.Text("reason"));
        Assert.Equal("prefix_fallback", answer.Text("routedBy"));
        Assert.Contains("chuyển sang nhà mạng khác", answer.Text("remediation"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubscriber_PortabilitySlowerThanItsBudget_FallsBackToThePrefix()
    {
        await GatewayFactory.WireMock.ResetAsync();
        await GatewayFactory.WireMock.AddMappingAsync(new
        {
            priority = 0,
            request = new { method = "GET", urlPath = "/mnp/v1/numbers/84961000001" },
            response = new { status = 200, fixedDelayMilliseconds = 5000, jsonBody = new { msisdn = "84961000001", carrier = "VIETTEL", ported = false } },
        });
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Mnp:Timeout"] = "00:00:00.300", ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "0" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0961000001");

        Assert.Equal("prefix_fallback", answer.Text("routedBy"));
        Assert.Equal("owner", answer.Text("ownership"));
    }

    [Fact]
    public async Task CheckSubscriber_OneCarrierDown_OpensOnlyItsCircuitAndTheOthersStillAnswer()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:BreakDuration"] = "00:01:00" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var telco = factory.Services.GetRequiredService<ConnectorHealthRegistry>().Connector("Telco");
        await GatewayFactory.WireMock.SetScenarioStateAsync("viettel-outage", "down");

        // MinimumThroughput 10, FailureRatio 0.5 in tests: three checks of 4 attempts each open it.
        for (var i = 0; i < 3; i++)
        {
            using var failed = await TelcoApi.CheckAsync(client, "0961000001");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            var problem = await TelcoApi.JsonAsync(failed);
            Assert.Equal("viettel", problem.Text("upstream"));
            Assert.Contains("Viettel", problem.Text("remediation"), StringComparison.Ordinal);
        }

        Assert.Equal(CircuitStatus.Open, telco.Upstream("viettel").CircuitStatus);
        var sentWhileOpen = await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership");
        using (var fast = await TelcoApi.CheckAsync(client, "0961000002"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, fast.StatusCode);
            Assert.Contains("circuit is open", (await TelcoApi.JsonAsync(fast)).Text("detail"), StringComparison.Ordinal);
        }

        Assert.Equal(sentWhileOpen, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));

        Assert.Equal("owner", (await TelcoApi.CheckOkAsync(client, "0901000001")).Text("ownership"));
        Assert.Equal("owner", (await TelcoApi.CheckOkAsync(client, "0911000001")).Text("ownership"));
        Assert.Equal("owner", (await TelcoApi.CheckOkAsync(client, "0971000009")).Text("ownership"));
        Assert.Equal(CircuitStatus.Closed, telco.Upstream("mobifone").CircuitStatus);
        Assert.Equal(CircuitStatus.Closed, telco.Upstream("vnpt").CircuitStatus);
        Assert.Equal(CircuitStatus.Closed, telco.Upstream("mnp").CircuitStatus);

        using var ops = factory.CreateClient(GatewayFactory.OpsKey);
        var connectors = JsonNode.Parse(await ops.GetStringAsync("/api/v1/connectors"))!.AsArray();
        var upstreams = connectors.Single(c => c!["name"]!.ToString() == "Telco")!["upstreams"]!.AsArray()
            .ToDictionary(u => u!["name"]!.ToString(), u => u!["circuit"]!.ToString());
        Assert.Equal("open", upstreams["viettel"]);
        Assert.Equal("closed", upstreams["mobifone"]);
    }

    [Fact]
    public async Task CheckSubscriber_CarrierDownAfterAnEarlierAnswer_ServesThatAnswerMarkedStale()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:CacheTtl"] = "00:00:00", ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "0" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var fresh = await TelcoApi.CheckOkAsync(client, "0901000002");
        Assert.Equal("false", fresh.Text("stale"));

        await GatewayFactory.WireMock.SetScenarioStateAsync("mobifone-outage", "down");
        var stale = await TelcoApi.CheckOkAsync(client, "0901000002");

        Assert.Equal("not_owner", stale.Text("ownership"));
        Assert.Equal("true", stale.Text("stale"));
        Assert.Equal("cache", stale.Text("source"));
        Assert.Equal(fresh.Text("checkedAt"), stale.Text("checkedAt"));
    }

    [Fact]
    public async Task CheckSubscriber_SecondIdenticalCheck_MakesNoUpstreamCall()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var first = await TelcoApi.CheckOkAsync(client, "0911000001");
        Assert.Equal("upstream", first.Text("source"));
        await GatewayFactory.WireMock.ResetRequestsAsync();

        var second = await TelcoApi.CheckOkAsync(client, "0911 000 001");

        Assert.Equal("cache", second.Text("source"));
        Assert.Equal("owner", second.Text("ownership"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));

        // Another citizen on the same number is another question for the carrier (the route is reused).
        var other = await TelcoApi.CheckOkAsync(client, "0911000001", TelcoApi.CitizenB);
        Assert.Equal("not_owner", other.Text("ownership"));
        Assert.Equal(0, await TelcoApi.RequestsAsync("mnp"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vnpt/api/thuebao/.*", regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_AfterTheCacheTtl_AsksAgain()
    {
        await GatewayFactory.WireMock.ResetAsync();
        // The cache expires answers on the system clock (FusionCache): a TTL of seconds, waited for.
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:CacheTtl"] = "00:00:03" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        await TelcoApi.CheckOkAsync(client, "0961000001");

        Assert.Equal("cache", (await TelcoApi.CheckOkAsync(client, "0961000001")).Text("source"));
        await Eventually.TrueAsync(async () => (await TelcoApi.CheckOkAsync(client, "0961000001")).Text("source") == "upstream", "the answer expires after CacheTtl");

        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CheckSubscriber_EveryLookup_WritesAMaskedAuditRow(bool postgres)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        await TelcoApi.CheckOkAsync(client, "0961000002");
        await TelcoApi.CheckOkAsync(client, "0961000002");
        using (var failed = await TelcoApi.CheckAsync(client, "0961000099"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        var audit = factory.Services.GetRequiredService<AuditLog>();
        await audit.FlushAsync();
        var rows = (await audit.ReadRecentAsync(20)).Where(r => r.Action == "subscriber_check").ToList();

        Assert.Equal(3, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("Telco", r.Connector);
            Assert.Equal("test-desk", r.Client);
            Assert.Equal(TelcoApi.Purpose, r.Purpose);
            Assert.Contains("001*******45", r.SubjectMasked, StringComparison.Ordinal);
            Assert.DoesNotContain(TelcoApi.CitizenA, r.SubjectMasked, StringComparison.Ordinal);
            Assert.DoesNotContain("961000", r.SubjectMasked, StringComparison.Ordinal);
            Assert.DoesNotContain(TelcoApi.CitizenA, r.SubjectHash, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(r.SubjectHash));
        });
        Assert.Equal(["failed:upstream_error", "not_owner", "not_owner"], rows.Select(r => r.Result).Order(StringComparer.Ordinal).ToList());
        Assert.All(rows.Where(r => r.Result == "not_owner"), r => Assert.Contains("+8496*****02", r.SubjectMasked, StringComparison.Ordinal));
        Assert.Contains("+8496*****99", rows.Single(r => r.Result == "failed:upstream_error").SubjectMasked, StringComparison.Ordinal);
        Assert.Single(rows.Select(r => r.SubjectHash).Distinct());
    }

    [Fact]
    public async Task CheckSubscriber_AnyOutcome_LogsNoFullPhoneOrIdNumber()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "1" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        string[] phones =
        [
            "0961000001", "0961000002", "0961000003", "0961000429", "0961000099", "0961000503", "0971000009",
            "0911000001", "0911000004", "0911000401", "0911000099", "0911000503", "0912000009",
            "0901000001", "0901000004", "0901000005", "0901000503", "0931000009",
            "0921000001", "0961999999", "0968888001", "0968888404", "01623456789",
        ];
        foreach (var phone in phones)
        {
            foreach (var id in new[] { TelcoApi.CitizenA, TelcoApi.CitizenB, TelcoApi.Cmnd })
            {
                using var _ = await TelcoApi.CheckAsync(client, phone, id);
            }
        }

        await GatewayFactory.WireMock.SetScenarioStateAsync("viettel-outage", "down");
        using (var __ = await TelcoApi.CheckAsync(client, "0961000001", TelcoApi.CitizenB))
        {
        }

        var lines = factory.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("Portability lookup failed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("could not answer the ownership check", StringComparison.Ordinal));
        var secrets = phones.Where(p => p.Length == 10)
            .SelectMany(p => new[] { p, p[1..], "84" + p[1..] })
            .Concat([TelcoApi.CitizenA, TelcoApi.CitizenB, TelcoApi.Cmnd, "1623456789"]);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task CheckSubscriber_AnotherInstanceSharingRedis_AnswersFromTheSharedCache()
    {
        await GatewayFactory.WireMock.ResetAsync();
        await Integration.Testing.Servers.TestServers.Redis.FlushAllAsync();
        var first = new GatewayFactoryOptions { Redis = true };
        using var one = new GatewayFactory(first);
        using var two = new GatewayFactory(new GatewayFactoryOptions { Redis = true, HashKey = first.HashKey, EncryptionKey = first.EncryptionKey });
        using var clientOne = one.CreateClient(GatewayFactory.DeskKey);
        using var clientTwo = two.CreateClient(GatewayFactory.DeskKey);
        await one.Services.GetRequiredService<Integration.Core.Caching.RedisConnection>().ConnectedAsync;
        await two.Services.GetRequiredService<Integration.Core.Caching.RedisConnection>().ConnectedAsync;

        Assert.Equal("upstream", (await TelcoApi.CheckOkAsync(clientOne, "0911000004")).Text("source"));
        await GatewayFactory.WireMock.ResetRequestsAsync();
        var shared = await TelcoApi.CheckOkAsync(clientTwo, "0911000004");

        Assert.Equal("cache", shared.Text("source"));
        Assert.Equal("owner", shared.Text("ownership"));
        Assert.Equal("suspended", shared.Text("status"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
        foreach (var value in await Task.WhenAll((await Integration.Testing.Servers.TestServers.Redis.GetAllKeysAsync())
            .Select(k => Integration.Testing.Servers.TestServers.Redis.GetValueAsync(k))))
        {
            var text = System.Text.Encoding.Latin1.GetString(value ?? []);
            Assert.DoesNotContain("84911000004", text, StringComparison.Ordinal);
            Assert.DoesNotContain("owner", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task CheckSubscriber_EachUpstreamCall_WritesAMonitoringRow()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        await TelcoApi.CheckOkAsync(client, "0971000009");
        await TelcoApi.CheckOkAsync(client, "0971000009");

        var telemetry = factory.Services.GetRequiredService<ConnectorTelemetry>();
        await telemetry.FlushAsync();
        var rows = (await telemetry.ReadRecentAsync(20)).Where(r => r.Connector == "Telco").ToList();
        // Rows written in the same millisecond have no order: compare them as a set.
        Assert.Equal(
            ["ownership_check  success hit", "ownership_check mobifone success miss", "portability_lookup  success hit", "portability_lookup mnp success miss"],
            rows.Select(r => $"{r.Operation} {r.Upstream} {r.Outcome} {r.Cache}").Order(StringComparer.Ordinal).ToList());
        Assert.All(rows, r => Assert.Equal("test-desk", r.Client));
    }
}
