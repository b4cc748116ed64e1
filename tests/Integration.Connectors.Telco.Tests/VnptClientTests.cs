using Microsoft.Extensions.Time.Testing;
using System.Net;
using Integration.Testing;

namespace Integration.Connectors.Telco.Tests;

/// <summary>VinaPhone's (VNPT) service with its own OAuth token, through the host against WireMock.</summary>
public sealed class VnptClientTests
{
    [Theory]
    [InlineData("0911000001", TelcoApi.CitizenA, "owner", "active")]
    [InlineData("0911000002", TelcoApi.CitizenA, "not_owner", "active")]
    [InlineData("0911000002", TelcoApi.CitizenB, "owner", "active")]
    [InlineData("0911000004", TelcoApi.CitizenA, "owner", "suspended")]
    [InlineData("0911000003", TelcoApi.CitizenA, "unregistered", null)]
    public async Task CheckSubscriber_VnptAnswer_MapsChinhChuAndTrangThai(string phone, string idNumber, string ownership, string? status)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone, idNumber);

        Assert.Equal(ownership, answer.Text("ownership"));
        Assert.Equal(status, answer.Text("status"));
        Assert.Equal("vinaphone", answer.Text("carrier"));
        var request = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("GET", $"/vnpt/api/thuebao/84{phone[1..]}/chinhchu"));
        Assert.EndsWith("?soGiayTo=" + idNumber, request.Url, StringComparison.Ordinal);
        Assert.StartsWith("Bearer ", request.Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubscriber_SuspendedOwner_TellsTheCitizenToUnlockTheSim()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0911000004");

        Assert.Contains("tạm khóa", answer.Text("remediation"), StringComparison.Ordinal);
        Assert.Contains("VinaPhone", answer.Text("remediation"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubscriber_SeveralChecks_FetchOneTokenAndReuseIt()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        await TelcoApi.CheckOkAsync(client, "0911000001");
        await TelcoApi.CheckOkAsync(client, "0911000002");
        await TelcoApi.CheckOkAsync(client, "0911000003");

        var token = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", "/vnpt/oauth/token"));
        Assert.Contains("grant_type=client_credentials", token.Body, StringComparison.Ordinal);
        Assert.Contains("client_id=dev-gateway", token.Body, StringComparison.Ordinal);
        var queries = await GatewayFactory.WireMock.FindRequestsAsync("GET", "/vnpt/api/thuebao/.*", regex: true);
        Assert.Equal(3, queries.Count);
        Assert.Single(queries.Select(q => q.Header("Authorization")).Distinct());
    }

    [Fact]
    public async Task CheckSubscriber_VnptRefusesTheToken_RenewsItOnceAndAsksAgain()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0911000401");

        Assert.Equal("owner", answer.Text("ownership"));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/vnpt/oauth/token"));
        var queries = await GatewayFactory.WireMock.FindRequestsAsync("GET", "/vnpt/api/thuebao/84911000401/chinhchu");
        Assert.Equal(2, queries.Count);
        Assert.NotEqual(queries[0].Header("Authorization"), queries[1].Header("Authorization"));

        // The renewed token serves the next checks.
        await TelcoApi.CheckOkAsync(client, "0911000001");
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/vnpt/oauth/token"));
    }

    [Fact]
    public async Task CheckSubscriber_TokenCloseToExpiry_IsRenewedBeforeUse()
    {
        await GatewayFactory.WireMock.ResetAsync();
        var time = new FakeTimeProvider(TestClock.Start);
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = time });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        await TelcoApi.CheckOkAsync(client, "0911000001");
        time.Advance(TimeSpan.FromMinutes(58));
        await TelcoApi.CheckOkAsync(client, "0911000002");
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/vnpt/oauth/token"));

        // The token lives 3600 s; it is renewed one minute (TokenRefreshMargin) before that.
        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await TelcoApi.CheckOkAsync(client, "0911000003");

        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/vnpt/oauth/token"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync(new System.Text.Json.Nodes.JsonObject
        {
            ["method"] = "GET",
            ["urlPathPattern"] = "/vnpt/api/.*",
            ["headers"] = new System.Text.Json.Nodes.JsonObject { ["Authorization"] = new System.Text.Json.Nodes.JsonObject { ["absent"] = true } },
        }));
    }

    [Fact]
    public async Task CheckSubscriber_WrongClientSecret_Answers502WithoutAskingForOwnership()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Vnpt:ClientSecret"] = "not-the-secret" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0911000001");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("vnpt", problem.Text("upstream"));
        Assert.Contains("client credentials", problem.Text("detail"), StringComparison.Ordinal);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vnpt/api/thuebao/.*", regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_VnptErrorCode_Answers502()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0911000099");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("upstream_error", problem.Text("code"));
        Assert.Contains("maLoi 99", problem.Text("detail"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubscriber_Vnpt500_IsRetriedThenAnswers503()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "1" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0911000503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("VinaPhone", (await TelcoApi.JsonAsync(response)).Text("remediation"), StringComparison.Ordinal);
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vnpt/api/thuebao/84911000503/chinhchu"));
    }
}
