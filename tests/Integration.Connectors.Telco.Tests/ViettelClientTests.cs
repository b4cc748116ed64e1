using System.Net;
using Integration.Testing;

namespace Integration.Connectors.Telco.Tests;

/// <summary>Viettel's JSON ownership service, through the host against WireMock.</summary>
public sealed class ViettelClientTests
{
    [Theory]
    [InlineData("0961000001", TelcoApi.CitizenA, "owner")]
    [InlineData("0961000002", TelcoApi.CitizenA, "not_owner")]
    [InlineData("0961000002", TelcoApi.CitizenB, "owner")]
    [InlineData("0961000003", TelcoApi.CitizenA, "unregistered")]
    [InlineData("0961000004", TelcoApi.Cmnd, "owner")]
    public async Task CheckSubscriber_ViettelAnswer_MapsToOwnership(string phone, string idNumber, string ownership)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone, idNumber);

        Assert.Equal(ownership, answer.Text("ownership"));
        Assert.Equal("viettel", answer.Text("carrier"));
        Assert.Equal("false", answer.Text("ported"));
        Assert.Equal("portability", answer.Text("routedBy"));
        Assert.Equal("upstream", answer.Text("source"));
        Assert.Equal(ownership == "owner", answer["remediation"] is null);
        var request = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
        Assert.Equal("dev-viettel-partner-key", request.Header("X-Partner-Key"));
        var sent = request.BodyAsJson()!.AsObject();
        Assert.Equal("84" + phone[1..], sent.Text("msisdn"));
        Assert.Equal(idNumber, sent.Text("idNumber"));
        Assert.False(string.IsNullOrEmpty(sent.Text("requestId")));
    }

    [Fact]
    public async Task CheckSubscriber_NotOwner_ExplainsInVietnameseWhatToDo()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0961000002");

        var remediation = answer.Text("remediation")!;
        Assert.Contains("chính chủ", remediation, StringComparison.Ordinal);
        Assert.Contains("CCCD", remediation, StringComparison.Ordinal);
        Assert.Contains("cửa hàng", remediation, StringComparison.Ordinal);
        Assert.Contains("Viettel", remediation, StringComparison.Ordinal);
        Assert.Contains("số điện thoại khác", remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckSubscriber_Viettel429_IsRetriedAfterRetryAfter()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0961000429");

        Assert.Equal("owner", answer.Text("ownership"));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("Retrying Telco/viettel", StringComparison.Ordinal) && l.Contains("status 429", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckSubscriber_Viettel429BeyondTheTimeBudget_Answers503WithItsRetryAfter()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000430");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), response.Headers.RetryAfter?.Delta);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("upstream_unavailable", problem.Text("code"));
        Assert.Equal("viettel", problem.Text("upstream"));
        Assert.Contains("Viettel", problem.Text("remediation"), StringComparison.Ordinal);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }

    [Fact]
    public async Task CheckSubscriber_ViettelErrorCode_Answers502()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000099");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("upstream_error", problem.Text("code"));
        Assert.Contains("errorCode 99", problem.Text("detail"), StringComparison.Ordinal);
        Assert.NotNull(problem.Text("remediation"));
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }

    [Fact]
    public async Task CheckSubscriber_Viettel503_IsRetriedThenAnswers503()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "2" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("upstream_unavailable", (await TelcoApi.JsonAsync(response)).Text("code"));
        Assert.Equal(3, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }

    [Fact]
    public async Task CheckSubscriber_WrongPartnerKey_Answers502NamingTheSetting()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Viettel:PartnerKey"] = "not-the-key" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000001");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("Connectors:Telco:Viettel:PartnerKey", (await TelcoApi.JsonAsync(response)).Text("detail"), StringComparison.Ordinal);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/viettel/v1/subscribers/ownership"));
    }
}
