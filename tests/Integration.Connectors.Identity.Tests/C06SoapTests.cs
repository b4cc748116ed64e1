using System.Text;
using System.Xml.Linq;
using Integration.Connectors.Identity.Citizens;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity.Tests;

/// <summary>The SOAP messages of the C06 check, built and read without a server.</summary>
public sealed class C06SoapTests
{
    private static readonly DateOnly Today = new(2026, 11, 25);
    private static readonly LookupPurpose Purpose = LookupPurpose.Parse("test", null, new List<Integration.Core.Problems.FieldError>())!;

    [Fact]
    public void BuildRequest_Cccd_QualifiedElementsInContractOrder()
    {
        Assert.True(CitizenIdNumber.TryParse("001085012345", Today, null, out var id, out _));
        var query = new CitizenQuery(id, "Nguyễn Văn An", new DateOnly(1985, 3, 15), Purpose);

        var xml = Encoding.UTF8.GetString(C06Soap.BuildRequest("req-1", "DVC", "TH", "desk", query));

        XNamespace soap = "http://schemas.xmlsoap.org/soap/envelope/";
        XNamespace bca = "http://dancuquocgia.bca";
        var check = XDocument.Parse(xml).Root!.Element(soap + "Body")!.Element(bca + "XacThucThongTinCongDan")!;
        Assert.Equal(
            ["MaYeuCau", "MaDVC", "MaTichHop", "MaCanBo", "SoDinhDanh", "HoVaTen", "NgayThangNamSinh"],
            check.Elements().Select(e => e.Name.LocalName));
        Assert.All(check.Elements(), e => Assert.Equal(bca, e.Name.Namespace));
        Assert.Equal("19850315", check.Element(bca + "NgayThangNamSinh")!.Value);
        Assert.Equal("Nguyễn Văn An", check.Element(bca + "HoVaTen")!.Value);
    }

    [Fact]
    public void BuildRequest_NameWithMarkupCharacters_Escaped()
    {
        Assert.True(CitizenIdNumber.TryParse("025123456", Today, null, out var id, out _));
        var query = new CitizenQuery(id, "A<b>&'\"", new DateOnly(1970, 5, 5), Purpose);

        var xml = Encoding.UTF8.GetString(C06Soap.BuildRequest("req-1", "DVC", "TH", "desk", query));

        XNamespace bca = "http://dancuquocgia.bca";
        var doc = XDocument.Parse(xml);
        Assert.Equal("A<b>&'\"", doc.Descendants(bca + "HoVaTen").Single().Value);
        Assert.Single(doc.Descendants(bca + "SoCMND"));
    }

    [Fact]
    public void ReadAnswer_UnqualifiedChildren_Read()
    {
        var body = Encoding.UTF8.GetBytes("""
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
            <b:XacThucThongTinCongDanResponse xmlns:b="http://dancuquocgia.bca">
              <MaYeuCau>r1</MaYeuCau><KetQua><MaKetQua>01</MaKetQua><TruongKhongKhop>HoVaTen, NgayThangNamSinh</TruongKhongKhop><MucDoDinhDanh>2</MucDoDinhDanh></KetQua>
            </b:XacThucThongTinCongDanResponse></s:Body></s:Envelope>
            """);

        var answer = C06Soap.ReadAnswer(body);

        Assert.Equal(new C06RawAnswer("r1", "01", "HoVaTen, NgayThangNamSinh", "2"), answer);
    }

    [Fact]
    public void ReadAnswer_DocumentTypeDeclaration_Refused()
    {
        var body = Encoding.UTF8.GetBytes("""
            <?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
            <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><XacThucThongTinCongDanResponse xmlns="http://dancuquocgia.bca"><MaYeuCau>&e;</MaYeuCau><KetQua><MaKetQua>00</MaKetQua></KetQua></XacThucThongTinCongDanResponse></s:Body></s:Envelope>
            """);

        Assert.Throws<FormatException>(() => C06Soap.ReadAnswer(body));
    }

    [Fact]
    public void ReadAnswer_NotSoap_Refused()
    {
        Assert.Throws<FormatException>(() => C06Soap.ReadAnswer(Encoding.UTF8.GetBytes("<html>gateway error</html>")));
        Assert.Throws<FormatException>(() => C06Soap.ReadAnswer(Encoding.UTF8.GetBytes("{\"ok\":true}")));
    }

    [Fact]
    public void TryReadFault_Fault_CodeAndString()
    {
        var body = Encoding.UTF8.GetBytes("""
            <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>
            <faultcode>soap:Client</faultcode><faultstring>bad request</faultstring></soap:Fault></soap:Body></soap:Envelope>
            """);

        Assert.True(C06Soap.TryReadFault(body, out var code, out var text));
        Assert.Equal("soap:Client", code);
        Assert.Equal("bad request", text);
        Assert.False(C06Soap.TryReadFault(Encoding.UTF8.GetBytes("Service Unavailable"), out _, out _));
    }
}
