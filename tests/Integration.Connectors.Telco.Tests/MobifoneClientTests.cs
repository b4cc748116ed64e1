using System.Net;
using Integration.Connectors.Telco.Carriers;
using Integration.Testing;

namespace Integration.Connectors.Telco.Tests;

/// <summary>MobiFone's XML service, through the host against WireMock, and its answer parser.</summary>
public sealed class MobifoneClientTests
{
    [Theory]
    [InlineData("0901000001", TelcoApi.CitizenA, "owner")]
    [InlineData("0901000002", TelcoApi.CitizenA, "not_owner")]
    [InlineData("0901000002", TelcoApi.CitizenB, "owner")]
    [InlineData("0901000003", TelcoApi.CitizenA, "unregistered")]
    public async Task CheckSubscriber_MobifoneAnswer_MapsToOwnership(string phone, string idNumber, string ownership)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, phone, idNumber);

        Assert.Equal(ownership, answer.Text("ownership"));
        Assert.Equal("mobifone", answer.Text("carrier"));
        var request = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", "/mobifone/SubscriberService"));
        Assert.StartsWith("text/xml", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal($"<checkOwner><isdn>{phone[1..]}</isdn><idNo>{idNumber}</idNo></checkOwner>", request.Body);
    }

    [Fact]
    public async Task CheckSubscriber_MobifoneBusyOnce_IsRetried()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var answer = await TelcoApi.CheckOkAsync(client, "0901000004");

        Assert.Equal("owner", answer.Text("ownership"));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/mobifone/SubscriberService"));
    }

    [Fact]
    public async Task CheckSubscriber_MobifoneAlwaysBusy_Answers503AfterTheRetries()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "2" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0901000005");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("upstream_unavailable", problem.Text("code"));
        Assert.Contains("resultCode 2", problem.Text("detail"), StringComparison.Ordinal);
        Assert.Contains("MobiFone", problem.Text("remediation"), StringComparison.Ordinal);
        Assert.Equal(3, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/mobifone/SubscriberService"));
    }

    [Fact]
    public async Task CheckSubscriber_MobifoneResetsTheConnection_Answers503()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Telco:Resilience:MaxRetryAttempts"] = "1" },
        });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0901000503");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("mobifone", (await TelcoApi.JsonAsync(response)).Text("upstream"));
        Assert.Equal(2, await GatewayFactory.WireMock.CountRequestsAsync("POST", "/mobifone/SubscriberService"));
    }

    [Theory]
    [InlineData("<checkOwnerResponse><resultCode>0</resultCode><owner>1</owner></checkOwnerResponse>", "0", "1")]
    [InlineData("<?xml version=\"1.0\"?>\n<checkOwnerResponse>\n  <resultCode> 2 </resultCode>\n</checkOwnerResponse>", "2", null)]
    [InlineData("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><m:checkOwnerResponse xmlns:m=\"urn:mobifone\"><m:resultCode>0</m:resultCode><m:owner>0</m:owner></m:checkOwnerResponse></s:Body></s:Envelope>", "0", "0")]
    public void Read_CheckOwnerResponse_ReadsResultCodeAndOwner(string xml, string resultCode, string? owner)
    {
        var answer = MobifoneXml.Read(xml);

        Assert.NotNull(answer);
        Assert.Equal(resultCode, answer.ResultCode);
        Assert.Equal(owner, answer.Owner);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not xml")]
    [InlineData("<other><resultCode>0</resultCode></other>")]
    [InlineData("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><checkOwnerResponse><resultCode>&e;</resultCode></checkOwnerResponse>")]
    public void Read_NotACheckOwnerResponse_ReturnsNull(string text)
    {
        Assert.Null(MobifoneXml.Read(text));
    }
}
