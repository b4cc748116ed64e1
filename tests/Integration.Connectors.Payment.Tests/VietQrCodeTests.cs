using System.Text;
using Integration.Connectors.Payment.VietQr;

namespace Integration.Connectors.Payment.Tests;

public sealed class VietQrCodeTests
{
    // NAPAS "QR Format T&C" v1.5.2, section 6.1 (docs/domain.md, "VietQR").
    private const string StaticToCard =
        "00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045802VN63044F52";

    private const string DynamicToAccount =
        "00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E";

    [Fact]
    public void Compute_CheckString_Is29B1()
    {
        Assert.Equal(0x29B1, Crc16CcittFalse.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public void TryParse_StaticToCardVector_DecodesEveryField()
    {
        Assert.True(VietQrCode.TryParse(StaticToCard, out var code, out var error), error);

        Assert.Equal(new VietQrCode(Dynamic: false, "970403", "9704031101234567", ToCard: true, Amount: null, BillNumber: null, Purpose: null), code);
    }

    [Fact]
    public void TryParse_DynamicToAccountVector_DecodesEveryField()
    {
        Assert.True(VietQrCode.TryParse(DynamicToAccount, out var code, out var error), error);

        Assert.Equal(new VietQrCode(Dynamic: true, "970403", "0011012345678", ToCard: false, 180_000, "NPS6869", "thanh toan don hang"), code);
    }

    [Theory]
    [InlineData(StaticToCard)]
    [InlineData(DynamicToAccount)]
    public void Build_DecodedVector_RebuildsByteForByte(string vector)
    {
        Assert.True(VietQrCode.TryParse(vector, out var code, out _));

        Assert.Equal(vector, code!.Build());
    }

    [Fact]
    public void Build_Payment_DynamicCodeWithAmountAndReferenceThatParsesBack()
    {
        var payload = VietQrCode.ForPayment("970403", "0011012345678", 50_000, "GW0123456789AB").Build();

        Assert.StartsWith("000201010212", payload);
        Assert.Contains("540550000", payload);
        Assert.Contains("62180814GW0123456789AB", payload);
        Assert.True(VietQrCode.TryParse(payload, out var code, out var error), error);
        Assert.Equal(50_000, code!.Amount);
        Assert.Equal("GW0123456789AB", code.Purpose);
    }

    [Fact]
    public void TryParse_WrongCrc_Rejected()
    {
        var broken = DynamicToAccount[..^4] + "2E2F";

        Assert.False(VietQrCode.TryParse(broken, out _, out var error));
        Assert.Contains("CRC", error);
    }

    [Fact]
    public void TryParse_AmountChangedWithCrcRecomputed_StillReadsTheNewAmount()
    {
        var body = DynamicToAccount[..^4].Replace("5406180000", "5406190000", StringComparison.Ordinal);
        var payload = body + Crc16CcittFalse.Hex(body);

        Assert.True(VietQrCode.TryParse(payload, out var code, out _));
        Assert.Equal(190_000, code!.Amount);
    }

    [Fact]
    public void TryParse_SpecificationsBrokenStaticToAccountExample_Rejected()
    {
        // The NAPAS document's static-to-account example (docs/domain.md, "VietQR"): declares an account of 12 characters but carries 13; the CRC matches the string.
        var body = "00020101021138560010A0000007270126000697040301120011012345678" + "0208QRIBFTTA53037045802VN6304";
        var payload = body + Crc16CcittFalse.Hex(body);

        Assert.False(VietQrCode.TryParse(payload, out _, out _));
    }
}
