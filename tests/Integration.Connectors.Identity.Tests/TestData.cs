using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Integration.Core.Audit;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Identity.Tests;

/// <summary>The invented citizens of mocks/TEST-DATA.md ("Identity") and helpers shared by the tests.</summary>
internal static class TestData
{
    public const string VerifyPath = "/api/v1/identity/citizens/verify";
    public const string C06Path = "/c06/XacThucCongDan";
    public const string LgspTokenPath = "/lgsp/token";
    public const string Purpose = "1.001234 Đăng ký khai sinh";

    /// <summary>Level 2; male, born 1985; signs in at VNeID by default (login_hint=level2).</summary>
    public static readonly Citizen An = new("001085012345", "Nguyễn Văn An", "1985-03-15");

    /// <summary>Level 1; female, born 1990; signs in with login_hint=level1.</summary>
    public static readonly Citizen Binh = new("079190001234", "Trần Thị Bình", "1990-07-02");

    /// <summary>A valid CCCD the population database does not know.</summary>
    public static readonly Citizen Unknown = new("036095000002", "Lê Văn Cường", "1995-01-20");

    /// <summary>A 9-digit CMND, level 1.</summary>
    public static readonly Citizen Dung = new("025123456", "Hoàng Văn Dũng", "1970-05-05");

    /// <summary>C06 answers 99 (system error).</summary>
    public static readonly Citizen SystemError = new("001203000099", "Phạm Thị Lỗi", "2003-01-01");

    /// <summary>C06 answers a soap:Client fault.</summary>
    public static readonly Citizen Fault = new("001203000500", "Phạm Văn Sai", "2003-01-01");

    /// <summary>C06 answers after 3 s, longer than the tests' 2 s attempt timeout.</summary>
    public static readonly Citizen Slow = new("001203000300", "Phạm Văn Chậm", "2003-01-01");

    public static readonly IReadOnlyList<string> AllIdNumbers =
        [An.IdNumber, Binh.IdNumber, Unknown.IdNumber, Dung.IdNumber, SystemError.IdNumber, Fault.IdNumber, Slow.IdNumber];

    public static Task<HttpResponseMessage> VerifyAsync(HttpClient client, Citizen citizen, string? purpose = Purpose) =>
        client.PostAsJsonAsync(VerifyPath, new { idNumber = citizen.IdNumber, fullName = citizen.FullName, dateOfBirth = citizen.DateOfBirth, purpose });

    public static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<IReadOnlyList<AuditLog.Row>> AuditRowsAsync(GatewayFactory factory)
    {
        var audit = factory.Services.GetRequiredService<AuditLog>();
        await audit.FlushAsync();
        return await audit.ReadRecentAsync(500);
    }

    /// <summary>How many VNeID tickets the store holds.</summary>
    public static async Task<long> TicketCountAsync(GatewayFactory factory)
    {
        await using var connection = await factory.Services.GetRequiredService<Integration.Core.Store.GatewayStore>().OpenAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(connection, "SELECT COUNT(*) FROM identity_tickets");
    }

    /// <summary>No captured log line and no audit row holds a test citizen's ID number in full.</summary>
    public static async Task AssertNoIdNumberLeakedAsync(GatewayFactory factory)
    {
        var lines = factory.Logs.Lines;
        Assert.NotEmpty(lines);
        foreach (var id in AllIdNumbers)
        {
            Assert.DoesNotContain(lines, line => line.Contains(id, StringComparison.Ordinal));
        }

        foreach (var row in await AuditRowsAsync(factory))
        {
            var text = string.Join("|", row.Client, row.Action, row.Connector, row.Purpose, row.SubjectMasked, row.SubjectHash, row.Result, row.TraceId);
            Assert.DoesNotContain(AllIdNumbers, id => text.Contains(id, StringComparison.Ordinal));
        }
    }
}

internal sealed record Citizen(string IdNumber, string FullName, string DateOfBirth)
{
    public string Masked => IdNumber[..3] + new string('*', IdNumber.Length - 5) + IdNumber[^2..];

    public Citizen WithName(string fullName) => this with { FullName = fullName };

    public Citizen WithDateOfBirth(string dateOfBirth) => this with { DateOfBirth = dateOfBirth };
}
