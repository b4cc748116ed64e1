using Integration.Core.Problems;

namespace Integration.Connectors.NationalPortal.Tests;

public sealed class DossierStatusValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

    private static DossierStatusRequest Valid() => new()
    {
        ProcedureCode = "1.900101",
        Status = 4,
        Version = 3,
        ChangedAt = "2026-11-25T09:30:00+07:00",
        ReceivedAt = "2026-11-20T08:00:00",
        DueAt = "2026-11-27T17:00:00+07:00",
        AgencyCode = "000.21.09.H99",
        ApplicantName = "  Nguyễn Thị Thử ",
        ApplicantType = 1,
        PhoneNumber = "0912 345 678",
        Channel = 2,
        Fees = [new DossierFeeRequest("LP01", "Lệ phí đăng ký", 8000)],
    };

    [Fact]
    public void Validate_ValidChange_NormalisesItForTheOutbox()
    {
        var change = DossierStatusValidator.Validate("000.21.09.H99-261120-0001", Valid(), Now).Value!;

        Assert.Equal(new DateTimeOffset(2026, 11, 20, 8, 0, 0, TimeSpan.FromHours(7)), change.ReceivedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 2, 30, 0, TimeSpan.Zero), change.ChangedAt);
        Assert.Equal("Nguyễn Thị Thử", change.ApplicantName);
        Assert.Equal("+84912345678", change.PhoneNumber);
        Assert.Equal(8000, Assert.Single(change.Fees!).Amount);
    }

    [Fact]
    public void Validate_ReturnedWithoutReturnDate_IsRefused()
    {
        var error = Refused(DossierStatusValidator.Validate("D-1", Valid() with { Status = 10 }, Now));

        Assert.Equal(ProblemCodes.MissingField, error.Code);
        Assert.Equal("returnedAt", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void Validate_ChangeBeforeReceiptOrFarInTheFuture_IsRefused()
    {
        var before = Refused(DossierStatusValidator.Validate("D-1", Valid() with { ChangedAt = "2026-11-19T08:00:00+07:00" }, Now));
        var future = Refused(DossierStatusValidator.Validate("D-1", Valid() with { ChangedAt = "2026-11-25T11:00:00+07:00" }, Now));

        Assert.Contains("before receivedAt", before.Errors[0].Message);
        Assert.Contains("in the future", future.Errors[0].Message);
    }

    [Fact]
    public void Validate_ProgressFieldsWithoutHandler_AreRefused()
    {
        var error = Refused(DossierStatusValidator.Validate("D-1", Valid() with { Note = "Chuyển xử lý" }, Now));

        Assert.Equal("handler", Assert.Single(error.Errors).Field);
    }

    [Fact]
    public void Validate_NoBodyAndBadDossierCode_ListsBothFields()
    {
        var error = Refused(DossierStatusValidator.Validate("-bad", null, Now));

        Assert.Equal(ProblemCodes.ValidationFailed, error.Code);
        Assert.Equal(["dossierCode:invalid_field", "body:missing_field"], error.Errors.Select(e => $"{e.Field}:{e.Code}"));
    }

    private static PortalError.Invalid Refused(Result<DossierChange, PortalError> result)
    {
        Assert.False(result.Succeeded);
        return Assert.IsType<PortalError.Invalid>(result.Error);
    }

    [Theory]
    [InlineData("2026-11-25T09:30:00+07:00", "2026-11-25T02:30:00Z")]
    [InlineData("2026-11-25T02:30:00Z", "2026-11-25T02:30:00Z")]
    [InlineData("2026-11-25T09:30:00.125+07:00", "2026-11-25T02:30:00.125Z")]
    [InlineData("2026-11-25T09:30:00", "2026-11-25T02:30:00Z")]
    [InlineData("2026-11-25T09:30", "2026-11-25T02:30:00Z")]
    public void TryParseTime_IsoWithOrWithoutOffset_WithoutOneMeansVietnamTime(string input, string utc)
    {
        Assert.True(DossierStatusValidator.TryParseTime(input, out var parsed));
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), parsed);
    }

    [Theory]
    [InlineData("25/11/2026")]
    [InlineData("20261125093000")]
    [InlineData("2026-11-25")]
    [InlineData("2026-13-25T09:30:00")]
    public void TryParseTime_NotIso8601DateTime_Fails(string input)
    {
        Assert.False(DossierStatusValidator.TryParseTime(input, out _));
    }
}
