using Integration.Connectors.Payment.Text;

namespace Integration.Connectors.Payment.Tests;

public sealed class AsciiTextTests
{
    [Theory]
    [InlineData("Lệ phí cấp giấy phép xây dựng", "Le phi cap giay phep xay dung")]
    [InlineData("ĐĂNG KÝ KHAI SINH – hồ sơ #12", "DANG KY KHAI SINH ho so 12")]
    [InlineData("  Phí   thẩm định\t(lần 2) ", "Phi tham dinh lan 2")]
    public void WithoutDiacritics_VietnameseText_PlainAscii(string input, string expected)
    {
        var result = AsciiText.WithoutDiacritics(input, 255);

        Assert.Equal(expected, result);
        Assert.All(result, c => Assert.True(c < 128));
    }

    [Fact]
    public void WithoutDiacritics_LongText_CutAtLimit()
    {
        Assert.Equal(10, AsciiText.WithoutDiacritics(new string('ă', 300), 10).Length);
    }
}

public sealed class PaymentReferenceTests
{
    [Fact]
    public void New_Twice_DifferentWellFormedReferences()
    {
        var a = PaymentReference.New();
        var b = PaymentReference.New();

        Assert.NotEqual(a, b);
        Assert.Matches("^GW[0-9A-HJKMNP-TV-Z]{12}$", a);
    }

    [Theory]
    [InlineData("GW0123456789AB chuyen tien")]
    [InlineData("MBVCB.1234567.gw0123456789ab.CT tu 0011001234567 NGUYEN VAN AN")]
    [InlineData("Thanh toan GW01-2345-6789-AB")]
    [InlineData("IBFT GW0123456789ABX")]
    public void FindIn_ContentAsBanksWriteIt_FindsTheReference(string content)
    {
        Assert.Contains("GW0123456789AB", PaymentReference.FindIn(content));
    }

    [Theory]
    [InlineData("chuyen tien le phi")]
    [InlineData("GW0123")]
    [InlineData("GW0123456789IL")]
    public void FindIn_NoReference_Nothing(string content)
    {
        Assert.Empty(PaymentReference.FindIn(content));
    }
}
