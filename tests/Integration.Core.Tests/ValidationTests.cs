using Integration.Core.Privacy;
using Integration.Core.Validation;

namespace Integration.Core.Tests;

public sealed class CitizenIdNumberTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    [Theory]
    [InlineData("001089012345", 1989, false, "001")]
    [InlineData("079195000123", 1995, true, "079")]
    [InlineData("036200001234", 2000, false, "036")]
    [InlineData("001326000001", 2026, true, "001")]
    [InlineData(" 001089012345 ", 1989, false, "001")]
    public void TryParse_ValidCccd_ExposesBirthYearSexAndProvince(string input, int year, bool female, string province)
    {
        Assert.True(CitizenIdNumber.TryParse(input, Today, null, out var id, out _));
        Assert.Equal(CitizenIdKind.Cccd, id.Kind);
        Assert.Equal(year, id.BirthYear);
        Assert.Equal(female, id.Female);
        Assert.Equal(province, id.ProvinceCode);
        Assert.True(id.KnownProvince);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00108901234")]
    [InlineData("0010890123456")]
    [InlineData("00108901234a")]
    [InlineData("００１０８９０１２３４５")]
    [InlineData("001-089-012345")]
    [InlineData("001227012345")]
    [InlineData("001499012345")]
    public void TryParse_Malformed_IsInvalidIdNumber(string input)
    {
        Assert.False(CitizenIdNumber.TryParse(input, Today, null, out _, out var error));
        Assert.Equal("invalid_id_number", error);
    }

    [Fact]
    public void TryParse_DateOfBirthYearDiffers_IsDateOfBirthMismatch()
    {
        Assert.False(CitizenIdNumber.TryParse("001089012345", Today, new DateOnly(1990, 1, 1), out _, out var error));
        Assert.Equal("date_of_birth_mismatch", error);
        Assert.True(CitizenIdNumber.TryParse("001089012345", Today, new DateOnly(1989, 12, 31), out _, out _));
    }

    [Fact]
    public void TryParse_NineDigits_IsCmndLookupKeyWithoutYear()
    {
        Assert.True(CitizenIdNumber.TryParse("012345678", Today, new DateOnly(1970, 1, 1), out var id, out _));
        Assert.Equal(CitizenIdKind.Cmnd, id.Kind);
        Assert.Null(id.BirthYear);
    }

    [Fact]
    public void TryParse_UnknownProvinceCode_IsAcceptedAsForeignRegistration()
    {
        Assert.True(CitizenIdNumber.TryParse("704089012345", Today, null, out var id, out _));
        Assert.False(id.KnownProvince);
    }

    [Fact]
    public void ToString_IsMasked()
    {
        CitizenIdNumber.TryParse("001089012345", Today, null, out var id, out _);
        Assert.Equal("001*******45", id!.ToString());
        Assert.Equal("001*******45", id.Masked);
    }
}

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("0912345678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("84912345678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("+84912345678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("+84 91 234 5678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("091.234.5678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("0912-345-678", "+84912345678", Carrier.Vinaphone)]
    [InlineData("0321234567", "+84321234567", Carrier.Viettel)]
    [InlineData("0981234567", "+84981234567", Carrier.Viettel)]
    [InlineData("0901234567", "+84901234567", Carrier.Mobifone)]
    [InlineData("0701234567", "+84701234567", Carrier.Mobifone)]
    [InlineData("0521234567", "+84521234567", Carrier.Vietnamobile)]
    [InlineData("0591234567", "+84591234567", Carrier.Gmobile)]
    [InlineData("0871234567", "+84871234567", Carrier.Itel)]
    [InlineData("0551234567", "+84551234567", Carrier.Reddi)]
    public void TryParse_AcceptedForms_NormaliseToE164(string input, string e164, Carrier carrier)
    {
        Assert.True(PhoneNumber.TryParse(input, out var phone));
        Assert.Equal(e164, phone.E164);
        Assert.Equal(e164[1..], phone.Msisdn);
        Assert.Equal(carrier, phone.OriginalCarrier);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("01621234567")]
    [InlineData("841621234567")]
    [InlineData("091234567")]
    [InlineData("09123456789")]
    [InlineData("0112345678")]
    [InlineData("0212345678")]
    [InlineData("+1 912345678")]
    [InlineData("+8491234567")]
    [InlineData("0912345678x")]
    [InlineData("0912/345/678")]
    [InlineData("++84912345678")]
    [InlineData("84+912345678")]
    [InlineData("912345678")]
    public void TryParse_OtherForms_AreRejected(string input) =>
        Assert.False(PhoneNumber.TryParse(input, out _));
}

public sealed class PersonalDataMaskTests
{
    [Fact]
    public void IdNumber_KeepsThreeAndTwo() => Assert.Equal("001*******45", PersonalDataMask.IdNumber("001089012345"));

    [Fact]
    public void Phone_KeepsCountryCodeTwoDigitsAndLastTwo() => Assert.Equal("+8491*****78", PersonalDataMask.Phone("+84912345678"));

    [Fact]
    public void Text_MasksEveryIdOrPhoneInFreeText()
    {
        var masked = PersonalDataMask.Text("GET /api/thuebao/84912345678/chinhchu?soGiayTo=001089012345 failed; order 12345");
        Assert.DoesNotContain("84912345678", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("001089012345", masked, StringComparison.Ordinal);
        Assert.Contains("order 12345", masked, StringComparison.Ordinal);
    }
}
