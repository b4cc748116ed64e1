using Integration.Core.Validation;

namespace Integration.Connectors.Telco.Tests;

/// <summary>The normalisation the subscriber check relies on (docs/domain.md, "Mobile numbers").</summary>
public sealed class PhoneNumberTests
{
    public static TheoryData<string, string, Carrier> Accepted => new()
    {
        { "0961000001", "+84961000001", Carrier.Viettel },
        { "0961 000 001", "+84961000001", Carrier.Viettel },
        { "096.100.0001", "+84961000001", Carrier.Viettel },
        { "096-100-0001", "+84961000001", Carrier.Viettel },
        { " 0961000001 ", "+84961000001", Carrier.Viettel },
        { "84961000001", "+84961000001", Carrier.Viettel },
        { "84 961 000 001", "+84961000001", Carrier.Viettel },
        { "+84961000001", "+84961000001", Carrier.Viettel },
        { "+84 96 100 0001", "+84961000001", Carrier.Viettel },
        { "+84-96-100-0001", "+84961000001", Carrier.Viettel },
        { "+ 84 961.000.001", "+84961000001", Carrier.Viettel },
        { "0321234567", "+84321234567", Carrier.Viettel },
        { "0861234567", "+84861234567", Carrier.Viettel },
        { "0911000001", "+84911000001", Carrier.Vinaphone },
        { "0841234567", "+84841234567", Carrier.Vinaphone },
        { "0881234567", "+84881234567", Carrier.Vinaphone },
        { "0901000001", "+84901000001", Carrier.Mobifone },
        { "0701234567", "+84701234567", Carrier.Mobifone },
        { "0891234567", "+84891234567", Carrier.Mobifone },
        { "0921000001", "+84921000001", Carrier.Vietnamobile },
        { "0591234567", "+84591234567", Carrier.Gmobile },
        { "0991000001", "+84991000001", Carrier.Gmobile },
        { "0871000001", "+84871000001", Carrier.Itel },
        { "0551000001", "+84551000001", Carrier.Reddi },
    };

    public static TheoryData<string> Rejected => new()
    {
        "01623456789",          // retired 11-digit Viettel number (now 0323456789)
        "0162 345 6789",
        "+841623456789",
        "841623456789",
        "01223456789",          // retired 11-digit MobiFone number
        "0961000001 1",
        "09610000011",
        "096100000",
        "961000001",            // no 0, 84 or +84
        "+840961000001",        // national 0 kept after +84
        "840961000001",
        "0084961000001",        // international call prefix
        "+85261000001",
        "+8496100000",
        "(096) 100 0001",
        "096/100/0001",
        "096_100_0001",
        "0961000001x",
        "++84961000001",
        "84+961000001",
        "+84961000001+",
        "0211234567",           // no mobile carrier was given 021
        "0101234567",
        "0601234567",
        "0951234567",
        "\uFF10\uFF19\uFF16\uFF11\uFF10\uFF10\uFF10\uFF10\uFF10\uFF11", // full-width digits
        "\u0660\u0669\u0666\u0661\u0660\u0660\u0660\u0660\u0660\u0661", // Arabic-Indic digits
        "0961\t000001",
        "0961000001\n",
        "",
        "   ",
        "+",
        "0961 000 001 0961 000 001 0961 000 001",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void TryParse_AcceptedForm_NormalisesToE164(string input, string e164, Carrier carrier)
    {
        Assert.True(PhoneNumber.TryParse(input, out var phone));
        Assert.Equal(e164, phone.E164);
        Assert.Equal(e164[1..], phone.Msisdn);
        Assert.Equal(carrier, phone.OriginalCarrier);
    }

    [Theory]
    [MemberData(nameof(Rejected))]
    public void TryParse_RejectedForm_ReturnsFalse(string input)
    {
        Assert.False(PhoneNumber.TryParse(input, out _));
    }

    [Fact]
    public void TryParse_Null_ReturnsFalse()
    {
        Assert.False(PhoneNumber.TryParse(null, out _));
    }

    [Fact]
    public void Masked_KeepsOnlyCountryCodeAndEnds()
    {
        Assert.True(PhoneNumber.TryParse("0961000001", out var phone));
        Assert.Equal("+8496*****01", phone.Masked);
        Assert.Equal("901000001", PhoneNumber.TryParse("0901000001", out var m) ? m.Subscriber : null);
    }
}
