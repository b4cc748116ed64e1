using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Integration.Testing;
using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary><c>POST /api/v1/identity/citizens/verify</c> end to end through the host against the C06 and LGSP mocks.</summary>
public sealed class CitizenVerifyTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Verify_AllFieldsMatch_ReturnsMatchWithLevel2AndMaskedNumber()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, An);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(An.IdNumber, text);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("match", (string?)body["result"]);
        Assert.Empty(body["mismatchedFields"]!.AsArray());
        Assert.Equal(2, (int?)body["identityLevel"]);
        Assert.Equal("upstream", (string?)body["source"]);
        Assert.False((bool?)body["stale"]);
        Assert.Equal("001*******45", (string?)body["idNumberMasked"]);
        await AssertNoIdNumberLeakedAsync(_factory);
    }

    [Fact]
    public async Task Verify_Request_SendsTheSoapContractWithBearerToken()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);

        var sent = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path));
        Assert.Equal("\"http://dancuquocgia.bca/XacThucThongTinCongDan\"", sent.Header("SOAPAction"));
        Assert.StartsWith("text/xml", sent.Header("Content-Type"));
        Assert.Contains("charset=utf-8", sent.Header("Content-Type"), StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^Bearer lgsp-[a-z0-9]+$", sent.Header("Authorization"));
        XNamespace bca = "http://dancuquocgia.bca";
        var check = XDocument.Parse(sent.Body).Descendants(bca + "XacThucThongTinCongDan").Single();
        Assert.Matches("^[0-9a-f]{32}$", check.Element(bca + "MaYeuCau")!.Value);
        Assert.Equal("DVC-TINH-DEV", check.Element(bca + "MaDVC")!.Value);
        Assert.Equal("TICHHOP-DEV", check.Element(bca + "MaTichHop")!.Value);
        Assert.Equal("test-desk", check.Element(bca + "MaCanBo")!.Value);
        Assert.Equal(An.IdNumber, check.Element(bca + "SoDinhDanh")!.Value);
        Assert.Equal(An.FullName, check.Element(bca + "HoVaTen")!.Value);
        Assert.Equal("19850315", check.Element(bca + "NgayThangNamSinh")!.Value);
    }

    [Fact]
    public async Task Verify_NameDiffers_ReturnsMismatchOnFullName()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var body = await JsonAsync(await VerifyAsync(client, An.WithName("Nguyễn Văn Anh")));

        Assert.Equal("mismatch", (string?)body["result"]);
        Assert.Equal(["fullName"], body["mismatchedFields"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(2, (int?)body["identityLevel"]);
    }

    [Fact]
    public async Task Verify_DateOfBirthDiffers_ReturnsMismatchOnDateOfBirth()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var body = await JsonAsync(await VerifyAsync(client, An.WithDateOfBirth("1985-03-16")));

        Assert.Equal("mismatch", (string?)body["result"]);
        Assert.Equal(["dateOfBirth"], body["mismatchedFields"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task Verify_NameAndDateOfBirthDiffer_ReturnsBothFields()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var body = await JsonAsync(await VerifyAsync(client, An.WithName("Nguyễn Văn Bảo").WithDateOfBirth("1985-12-01")));

        Assert.Equal("mismatch", (string?)body["result"]);
        Assert.Equal(["fullName", "dateOfBirth"], body["mismatchedFields"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task Verify_UnknownCitizen_ReturnsNotFoundWithoutLevel()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var response = await VerifyAsync(client, Unknown);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await JsonAsync(response);
        Assert.Equal("not_found", (string?)body["result"]);
        Assert.Null(body["identityLevel"]);
        Assert.Equal("036*******02", (string?)body["idNumberMasked"]);
    }

    [Fact]
    public async Task Verify_Level1Citizen_ReturnsLevel1()
    {
        var client = _factory.CreateClient(GatewayFactory.IdentityOnlyKey);

        var body = await JsonAsync(await VerifyAsync(client, Binh));

        Assert.Equal("match", (string?)body["result"]);
        Assert.Equal(1, (int?)body["identityLevel"]);
    }

    [Fact]
    public async Task Verify_NineDigitCmnd_SentAsSoCmnd()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var body = await JsonAsync(await VerifyAsync(client, Dung));

        Assert.Equal("match", (string?)body["result"]);
        Assert.Equal("025****56", (string?)body["idNumberMasked"]);
        var sent = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path));
        Assert.Contains("<SoCMND>025123456</SoCMND>", sent.Body);
        Assert.DoesNotContain("SoDinhDanh", sent.Body);
    }

    [Fact]
    public async Task Verify_NameInDecomposedUnicode_SentAsNfcAndMatches()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);
        var decomposed = An.FullName.Normalize(NormalizationForm.FormD);
        Assert.NotEqual(An.FullName, decomposed);

        var body = await JsonAsync(await VerifyAsync(client, An.WithName("  " + decomposed + " ")));

        Assert.Equal("match", (string?)body["result"]);
        var sent = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", C06Path));
        Assert.Contains("<HoVaTen>Nguyễn Văn An</HoVaTen>", sent.Body);
    }

    [Fact]
    public async Task Verify_PurposeInHeader_AcceptedAndAudited()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);
        client.DefaultRequestHeaders.Add("X-Purpose", "1.000656 cap-ho-chieu");

        var response = await VerifyAsync(client, An, purpose: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var row = Assert.Single(await AuditRowsAsync(_factory), r => r.Action == "citizen_verify");
        Assert.Equal("1.000656 cap-ho-chieu", row.Purpose);
    }

    [Fact]
    public async Task Verify_SameCitizenTwice_SecondServedFromCache()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);
        var second = await JsonAsync(await VerifyAsync(client, An));

        Assert.Equal("cache", (string?)second["source"]);
        Assert.False((bool?)second["stale"]);
        Assert.Equal("match", (string?)second["result"]);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", C06Path));
    }

    [Fact]
    public async Task Verify_EveryLookup_AuditedWithClientPurposeMaskedSubjectAndResult()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        await VerifyAsync(client, An);
        await VerifyAsync(client, An);
        await VerifyAsync(client, Unknown);
        await VerifyAsync(client, SystemError);

        var rows = (await AuditRowsAsync(_factory)).Where(r => r.Action == "citizen_verify").OrderBy(r => r.At).ThenBy(r => r.Id).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("test-desk", r.Client);
            Assert.Equal("Identity", r.Connector);
            Assert.Equal(Purpose, r.Purpose);
            Assert.NotNull(r.SubjectHash);
        });
        Assert.Equal(["001*******45", "001*******45", "036*******02", "001*******99"], rows.Select(r => r.SubjectMasked));
        Assert.Equal(["match", "match", "not_found", "upstream_error"], rows.Select(r => r.Result));
        Assert.Equal(rows[0].SubjectHash, rows[1].SubjectHash);
        Assert.NotEqual(rows[0].SubjectHash, rows[2].SubjectHash);
        await AssertNoIdNumberLeakedAsync(_factory);
    }

    public static TheoryData<string, object, string, string> InvalidRequests => new()
    {
        { "eleven digits", new { idNumber = "00108501234", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = Purpose }, "invalid_id_number", "idNumber" },
        { "letters", new { idNumber = "00108501234A", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = Purpose }, "invalid_id_number", "idNumber" },
        { "birth year in the future", new { idNumber = "001499012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = Purpose }, "invalid_id_number", "idNumber" },
        { "year differs from the number", new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1986-03-15", purpose = Purpose }, "date_of_birth_mismatch", "dateOfBirth" },
        { "no purpose", new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15" }, "missing_purpose", "purpose" },
        { "blank purpose", new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = "  " }, "missing_purpose", "purpose" },
        { "no name", new { idNumber = "001085012345", dateOfBirth = "1985-03-15", purpose = Purpose }, "missing_field", "fullName" },
        { "digits in the name", new { idNumber = "001085012345", fullName = "Nguyễn Văn 4n", dateOfBirth = "1985-03-15", purpose = Purpose }, "invalid_field", "fullName" },
        { "date written d/M/yyyy", new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "15/03/1985", purpose = Purpose }, "invalid_field", "dateOfBirth" },
        { "no date of birth", new { idNumber = "001085012345", fullName = "Nguyễn Văn An", purpose = Purpose }, "missing_field", "dateOfBirth" },
        { "no id number", new { fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", purpose = Purpose }, "missing_field", "idNumber" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task Verify_InvalidInput_400WithCodeAndNoUpstreamCall(string reason, object request, string code, string field)
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var response = await client.PostAsJsonAsync(VerifyPath, request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, reason);
        var problem = await JsonAsync(response);
        Assert.Equal(code, (string?)problem["code"]);
        var error = Assert.Single(problem["errors"]!.AsArray());
        Assert.Equal(field, (string?)error!["field"]);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(c06|lgsp)/.*", regex: true));
        Assert.DoesNotContain(await AuditRowsAsync(_factory), r => r.Action == "citizen_verify");
    }

    [Fact]
    public async Task Verify_SeveralInvalidFields_ListsEveryError()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var response = await client.PostAsJsonAsync(VerifyPath, new { idNumber = "12", fullName = "", dateOfBirth = "1985-13-01" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await JsonAsync(response);
        Assert.Equal("validation_failed", (string?)problem["code"]);
        Assert.Equal(
            ["dateOfBirth", "fullName", "idNumber", "purpose"],
            problem["errors"]!.AsArray().Select(e => (string)e!["field"]!).Order());
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(c06|lgsp)/.*", regex: true));
    }

    [Fact]
    public async Task Verify_EmptyBody_400NotServerError()
    {
        var client = _factory.CreateClient(GatewayFactory.DeskKey);

        var response = await client.PostAsync(VerifyPath, new StringContent("null", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(c06|lgsp)/.*", regex: true));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(GatewayFactory.OpsKey, HttpStatusCode.Forbidden)]
    public async Task Verify_WithoutIdentityScope_Refused(string? key, HttpStatusCode expected)
    {
        var client = _factory.CreateClient(key);

        var response = await VerifyAsync(client, An);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/(c06|lgsp)/.*", regex: true));
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheIdentityRoutes()
    {
        var client = _factory.CreateClient((string?)null);

        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains(VerifyPath, paths);
        Assert.Contains("/api/v1/identity/vneid/login", paths);
        Assert.Contains("/api/v1/identity/vneid/callback", paths);
        Assert.Contains("/api/v1/identity/vneid/tickets/redeem", paths);
    }
}
