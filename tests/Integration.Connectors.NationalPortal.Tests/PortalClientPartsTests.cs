using System.Text.Json;
using Integration.Core.Outbox;

namespace Integration.Connectors.NationalPortal.Tests;

public sealed class PortalJsonTests
{
    [Theory]
    [InlineData("""{"session":"s1","error_code":0}""", "0", true)]
    [InlineData("""{"error_code":"00","message":"ok"}""", "00", true)]
    [InlineData("""{"error_code":-1}""", "-1", false)]
    [InlineData("""{"error_code":"97"}""", "97", false)]
    [InlineData("""{"message":"no code"}""", null, false)]
    public void PortalAnswer_ErrorCodeAsNumberOrString_ReadsTheSame(string json, string? code, bool succeeded)
    {
        var answer = JsonSerializer.Deserialize(json, PortalJsonContext.Default.PortalAuthAnswer)!;

        Assert.Equal(code, answer.ErrorCode);
        Assert.Equal(succeeded, answer.Succeeded);
    }

    [Fact]
    public void CatalogueAnswer_CountsAsStrings_AreReadAsNumbers()
    {
        var answer = JsonSerializer.Deserialize(
            """{"error_code":"00","total":"2","result":[{"MaTTHC":1.5,"TenTTHC":"X","MucDo":4}]}""",
            PortalJsonContext.Default.CatalogueAnswer)!;

        Assert.Equal(2, answer.Total);
        Assert.Equal("1.5", answer.Result![0].MaTTHC);
        Assert.Equal("4", answer.Result[0].MucDo);
    }

    [Fact]
    public void SyncDossierRequest_Serialised_HasTheAdapterEnvelopeAndPascalCaseDossier()
    {
        var dossier = new PortalDossier
        {
            MaHoSo = "D-1", MaTTHC = "1.900101", ChuHoSo = "Nguyễn Thị Thử", LoaiDoiTuong = "1", NgayTiepNhan = "20261120080000",
            TrangThaiHoSo = "2", HinhThuc = "2", DonViXuLy = "000.21.09.H99", PhienBan = "1",
        };

        var json = JsonSerializer.Serialize(new SyncDossierRequest("000.00.00.H99", "False", [dossier]), PortalJsonContext.Default.SyncDossierRequest);

        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal("DongBoHoSoMC", root.GetProperty("service").GetString());
        Assert.Equal("000.00.00.H99", root.GetProperty("madonvi").GetString());
        Assert.Equal("False", root.GetProperty("isUpdating").GetString());
        Assert.Equal("D-1", root.GetProperty("data")[0].GetProperty("MaHoSo").GetString());
        Assert.False(root.GetProperty("data")[0].TryGetProperty("SoDienThoai", out _));
    }
}

public sealed class OutboxOptionsTests
{
    [Fact]
    public void RetryDelay_DoublesFromTheBaseUpToTheMaximum()
    {
        var o = new OutboxOptions { RetryBaseDelay = TimeSpan.FromSeconds(10), RetryMaxDelay = TimeSpan.FromHours(1) };

        Assert.Equal(
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600],
            Enumerable.Range(1, 11).Select(n => o.RetryDelay(n).TotalSeconds));
        Assert.Equal(TimeSpan.FromHours(1), o.RetryDelay(1000));
    }

    [Fact]
    public void Defaults_ToleratePortalOutagesOfAboutElevenHoursBeforeAnItemGoesDead()
    {
        var o = new OutboxOptions();

        var waited = Enumerable.Range(1, o.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + o.RetryDelay(n));

        Assert.InRange(waited.TotalHours, 11, 12);
    }
}

public sealed class DossierStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    [InlineData(6, true)]
    [InlineData(7, false)]
    [InlineData(8, false)]
    [InlineData(9, false)]
    [InlineData(10, false)]
    public void IsOverdue_PastDueDate_OnlyForOpenStatuses(int status, bool overdue)
    {
        Assert.Equal(overdue, DossierStatus.IsOverdue(status, Now.AddMinutes(-1), Now));
        Assert.False(DossierStatus.IsOverdue(status, Now.AddMinutes(1), Now));
        Assert.False(DossierStatus.IsOverdue(status, null, Now));
    }
}
