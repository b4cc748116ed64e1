using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Testing;

namespace Integration.Gateway.Tests;

/// <summary>The one-stop desk's readiness check end to end against the identity and carrier mocks.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync()
    {
        _factory.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> CheckAsync(object body, string key = GatewayFactory.DeskKey)
    {
        using var client = _factory.CreateClient(key);
        client.DefaultRequestHeaders.Add("X-Purpose", "dang ky tai khoan dinh danh muc 2");
        using var response = await client.PostAsJsonAsync("/api/v1/citizens/readiness", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static string[] BlockerCodes(JsonElement body) =>
        body.GetProperty("blockers").EnumerateArray().Select(b => b.GetProperty("code").GetString()!).Order().ToArray();

    [Fact]
    public async Task Readiness_CitizenMatchesAtLevel2AndOwnsThePhone_IsReady()
    {
        var (status, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", phoneNumber = "0961 000 001" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body.GetProperty("ready").GetBoolean());
        Assert.Empty(BlockerCodes(body));
        Assert.Equal("match", body.GetProperty("identity").GetProperty("result").GetProperty("result").GetString());
        Assert.Equal("owner", body.GetProperty("subscriber").GetProperty("result").GetProperty("ownership").GetString());
        Assert.DoesNotContain("001085012345", body.ToString(), StringComparison.Ordinal);
    }

    // The test citizens of mocks/TEST-DATA.md work across every connector: each is known to C06 and owns a
    // number at each carrier (citizen C holds an old 9-digit CMND, so C06 knows them at level 1 only).
    [Theory]
    [InlineData("001085012345", "Nguyễn Văn An", "1985-03-15", "0961000001", true)]
    [InlineData("001085012345", "Nguyễn Văn An", "1985-03-15", "0911000001", true)]
    [InlineData("001085012345", "Nguyễn Văn An", "1985-03-15", "0901000001", true)]
    [InlineData("079192004567", "Phạm Thị Hoa", "1992-08-20", "0961000002", true)]
    [InlineData("079192004567", "Phạm Thị Hoa", "1992-08-20", "0911000002", true)]
    [InlineData("079192004567", "Phạm Thị Hoa", "1992-08-20", "0901000002", true)]
    [InlineData("025123456", "Hoàng Văn Dũng", "1970-05-05", "0961000004", false)]
    public async Task Readiness_TestCitizenWithTheirOwnNumber_IsKnownEverywhere(string idNumber, string fullName, string dateOfBirth, string phone, bool level2)
    {
        var (status, body) = await CheckAsync(new { idNumber, fullName, dateOfBirth, phoneNumber = phone });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("match", body.GetProperty("identity").GetProperty("result").GetProperty("result").GetString());
        Assert.Equal("owner", body.GetProperty("subscriber").GetProperty("result").GetProperty("ownership").GetString());
        Assert.Equal(level2, body.GetProperty("ready").GetBoolean());
        Assert.Equal(level2 ? [] : new[] { "identity_level_1" }, BlockerCodes(body));
    }

    [Fact]
    public async Task Readiness_TimesOfBothChecks_AreWrittenInVietnamTime()
    {
        var (_, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", phoneNumber = "0961000001" });

        var times = TimesIn(body).ToList();
        Assert.Contains(times, t => t.Name == "checkedAt" && t.Path.StartsWith("identity", StringComparison.Ordinal));
        Assert.Contains(times, t => t.Name == "checkedAt" && t.Path.StartsWith("subscriber", StringComparison.Ordinal));
        Assert.All(times, t => Assert.EndsWith("+07:00", t.Value, StringComparison.Ordinal));
    }

    private static IEnumerable<(string Path, string Name, string Value)> TimesIn(JsonElement element, string path = "")
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.EndsWith("At", StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return (path, property.Name, property.Value.GetString()!);
                }

                foreach (var inner in TimesIn(property.Value, path + property.Name + "."))
                {
                    yield return inner;
                }
            }
        }
    }

    [Fact]
    public async Task Readiness_NameDiffersAndPhoneIsSomeoneElses_ListsBothBlockersWithRemediation()
    {
        var (status, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn Bình", dateOfBirth = "1985-03-15", phoneNumber = "0961000002" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Equal(new[] { "identity_mismatch", "phone_not_owner" }, BlockerCodes(body));
        var mismatch = body.GetProperty("blockers").EnumerateArray().Single(b => b.GetProperty("code").GetString() == "identity_mismatch");
        Assert.Equal("fullName", mismatch.GetProperty("fields")[0].GetString());
        Assert.All(body.GetProperty("blockers").EnumerateArray(), b => Assert.False(string.IsNullOrWhiteSpace(b.GetProperty("remediation").GetString())));
    }

    [Fact]
    public async Task Readiness_Level1CitizenWithUnregisteredNumber_IsBlockedOnBoth()
    {
        var (_, body) = await CheckAsync(new { idNumber = "079190001234", fullName = "Trần Thị Bình", dateOfBirth = "1990-07-02", phoneNumber = "0961000003" });

        Assert.Equal(new[] { "identity_level_1", "phone_unregistered" }, BlockerCodes(body));
    }

    [Fact]
    public async Task Readiness_PopulationDatabaseDown_StillAnswersWithThatPartUnavailable()
    {
        await GatewayFactory.WireMock.AddMappingAsync(new
        {
            priority = 1,
            request = new { method = "POST", urlPath = "/c06/XacThucCongDan" },
            response = new { status = 503 },
        });

        var (status, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", phoneNumber = "0961000001" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body.GetProperty("ready").GetBoolean());
        Assert.Equal("unavailable", body.GetProperty("identity").GetProperty("status").GetString());
        Assert.Equal("upstream_unavailable", body.GetProperty("identity").GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("owner", body.GetProperty("subscriber").GetProperty("result").GetProperty("ownership").GetString());
        Assert.Equal(new[] { "identity_unavailable" }, BlockerCodes(body));
    }

    [Fact]
    public async Task Readiness_CarrierDown_StillAnswersWithIdentity()
    {
        var (status, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", phoneNumber = "0961000503" });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("identity").GetProperty("status").GetString());
        Assert.Equal("unavailable", body.GetProperty("subscriber").GetProperty("status").GetString());
        Assert.Equal(new[] { "telco_unavailable" }, BlockerCodes(body));
    }

    [Fact]
    public async Task Readiness_BadInput_Is400WithEveryErrorAndNoUpstreamCall()
    {
        var (status, body) = await CheckAsync(new { idNumber = "00108501234", fullName = "Nguyễn Văn An", dateOfBirth = "15/03/1985", phoneNumber = "01623456789" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        var fields = body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToHashSet();
        Assert.Contains("idNumber", fields);
        Assert.Contains("dateOfBirth", fields);
        Assert.Contains("phoneNumber", fields);
        var journal = await GatewayFactory.WireMock.GetAllRequestsAsync();
        Assert.Empty(journal);
    }

    [Fact]
    public async Task Readiness_KeyWithoutTelcoScope_Is403()
    {
        var (status, body) = await CheckAsync(new { idNumber = "001085012345", fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15", phoneNumber = "0961000001" }, GatewayFactory.IdentityOnlyKey);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("forbidden", body.GetProperty("code").GetString());
    }
}
