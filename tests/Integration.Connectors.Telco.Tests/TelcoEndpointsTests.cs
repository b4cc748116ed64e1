using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Telco.Tests;

/// <summary><c>POST /api/v1/telco/subscriber-checks</c>: input handling, end to end through the host.</summary>
public sealed class TelcoEndpointsTests
{
    [Fact]
    public async Task CheckSubscriber_EveryAcceptedForm_IsOneE164NumberAndOneLookup()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        foreach (var form in new[] { "0961000001", "0961 000 001", "096.100.0001", "096-100-0001", "84961000001", "84 961 000 001", "+84961000001", "+84 96-100.0001" })
        {
            var answer = await TelcoApi.CheckOkAsync(client, form);
            Assert.Equal("+84961000001", answer.Text("phoneNumber"));
            Assert.Equal("owner", answer.Text("ownership"));
        }

        // Every form is the same number: one portability lookup and one carrier call, the rest from the cache.
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/mnp/v1/numbers/84961000001"));
        Assert.Equal(1, await TelcoApi.RequestsAsync("viettel"));
    }

    [Theory]
    [InlineData("01623456789")]
    [InlineData("0162 345 6789")]
    [InlineData("+841623456789")]
    [InlineData("0961000001 1")]
    [InlineData("961000001")]
    [InlineData("+840961000001")]
    [InlineData("0084961000001")]
    [InlineData("(096) 100 0001")]
    [InlineData("0211234567")]
    [InlineData("0961000001x")]
    [InlineData("")]
    [InlineData("\uFF10\uFF19\uFF16\uFF11\uFF10\uFF10\uFF10\uFF10\uFF10\uFF11")]
    public async Task CheckSubscriber_RejectedPhoneForm_Answers400BeforeAnyUpstreamCall(string phoneNumber)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, phoneNumber);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("invalid_phone_number", problem.Text("code"));
        Assert.Equal("phoneNumber", problem["errors"]![0]!.AsObject().Text("field"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("0010850123")]
    [InlineData("001985012345")]   // century digit 9: born in 2385
    [InlineData("00108501234A")]
    [InlineData("")]
    public async Task CheckSubscriber_InvalidIdNumber_Answers400BeforeAnyUpstreamCall(string idNumber)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000001", idNumber);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("invalid_id_number", problem.Text("code"));
        Assert.Equal("idNumber", problem["errors"]![0]!.AsObject().Text("field"));
        if (idNumber.Length > 0)
        {
            Assert.DoesNotContain(idNumber, body, StringComparison.Ordinal);
        }

        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_NoPurpose_Answers400MissingPurpose()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000001", purpose: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("missing_purpose", (await TelcoApi.JsonAsync(response)).Text("code"));
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Theory]
    [InlineData("Đăng ký\u0007khai sinh")]
    [InlineData("x")]
    public async Task CheckSubscriber_PurposeBreakingTheSharedRule_Answers400LikeTheCitizenCheck(string purpose)
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var value = purpose == "x" ? new string('x', 201) : purpose;

        using var subscriber = await client.PostAsJsonAsync(TelcoApi.Path, new { phoneNumber = "0961000001", idNumber = TelcoApi.CitizenA, purpose = value });
        using var citizen = await client.PostAsJsonAsync("/api/v1/identity/citizens/verify",
            new { idNumber = TelcoApi.CitizenA, fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = value });

        foreach (var response in new[] { subscriber, citizen })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await TelcoApi.JsonAsync(response);
            Assert.Equal("purpose:invalid_field", $"{problem["errors"]![0]!["field"]}:{problem["errors"]![0]!["code"]}");
        }

        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_PurposeInBody_IsAcceptedAndAudited()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.PostAsJsonAsync(TelcoApi.Path, new
        {
            phoneNumber = "0961000001",
            idNumber = TelcoApi.CitizenA,
            purpose = "Kiểm tra trước khi đăng ký tài khoản định danh điện tử mức 2",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var audit = factory.Services.GetRequiredService<Integration.Core.Audit.AuditLog>();
        await audit.FlushAsync();
        var row = Assert.Single(await audit.ReadRecentAsync(10), r => r.Action == "subscriber_check");
        Assert.Equal("Kiểm tra trước khi đăng ký tài khoản định danh điện tử mức 2", row.Purpose);
    }

    [Fact]
    public async Task CheckSubscriber_EmptyBody_ListsEveryMissingField()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.PostAsync(TelcoApi.Path, JsonContent.Create(new { }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await TelcoApi.JsonAsync(response);
        Assert.Equal("validation_failed", problem.Text("code"));
        var fields = problem["errors"]!.AsArray().Select(e => $"{e!["field"]}:{e["code"]}").ToList();
        Assert.Equal(["phoneNumber:missing_field", "idNumber:missing_field", "purpose:missing_purpose"], fields);
    }

    [Fact]
    public async Task CheckSubscriber_WrongFieldType_Answers400()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.PostAsync(TelcoApi.Path, JsonContent.Create(new { phoneNumber = 961000001, idNumber = TelcoApi.CitizenA }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_KeyWithoutTelcoScope_Answers403()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.IdentityOnlyKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000001");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", TelcoApi.AnyTelcoUpstream, regex: true));
    }

    [Fact]
    public async Task CheckSubscriber_Answer_CarriesNoIdNumber()
    {
        await GatewayFactory.WireMock.ResetAsync();
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await TelcoApi.CheckAsync(client, "0961000002");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(TelcoApi.CitizenA, body, StringComparison.Ordinal);
        Assert.DoesNotContain("idNumber", body, StringComparison.Ordinal);
        Assert.Equal("not_owner", JsonNode.Parse(body)!.AsObject().Text("ownership"));
    }

    [Fact]
    public async Task OpenApi_DescribesTheSubscriberCheck()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var operation = document["paths"]?["/api/v1/telco/subscriber-checks"]?["post"];
        Assert.NotNull(operation);
        Assert.Equal("Telco", operation["tags"]![0]!.ToString());
        Assert.NotNull(operation["requestBody"]);
    }
}
