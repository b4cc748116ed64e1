using System.Text;
using System.Xml;
using System.Xml.Linq;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity.Citizens;

/// <summary>
/// The SOAP 1.1 messages of the C06 citizen check (docs/upstreams.md, "C06 citizen check"): the request
/// envelope, and the answer or fault read back. Parsing never resolves DTDs or external entities.
/// </summary>
internal static class C06Soap
{
    public const string Namespace = "http://dancuquocgia.bca";
    public const string SoapAction = "\"http://dancuquocgia.bca/XacThucThongTinCongDan\"";
    public const int MaxAnswerBytes = 1024 * 1024;

    private static readonly XNamespace Envelope = "http://schemas.xmlsoap.org/soap/envelope/";
    private static readonly XNamespace Bca = Namespace;

    public static byte[] BuildRequest(string requestId, string serviceCode, string integrationCode, string officer, CitizenQuery query)
    {
        var idElement = query.Id.Kind == CitizenIdKind.Cccd ? "SoDinhDanh" : "SoCMND";
        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(Envelope + "Envelope",
                new XAttribute(XNamespace.Xmlns + "soap", Envelope.NamespaceName),
                new XElement(Envelope + "Body",
                    new XElement(Bca + "XacThucThongTinCongDan",
                        new XElement(Bca + "MaYeuCau", requestId),
                        new XElement(Bca + "MaDVC", serviceCode),
                        new XElement(Bca + "MaTichHop", integrationCode),
                        new XElement(Bca + "MaCanBo", officer),
                        new XElement(Bca + idElement, query.Id.Value),
                        new XElement(Bca + "HoVaTen", query.FullName),
                        new XElement(Bca + "NgayThangNamSinh", query.DateOfBirth.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture))))));

        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = false }))
        {
            document.Save(writer);
        }

        return stream.ToArray();
    }

    /// <summary>Reads a SOAP 1.1 fault; false when <paramref name="body"/> is no fault (or no XML at all).</summary>
    public static bool TryReadFault(ReadOnlySpan<byte> body, out string faultCode, out string faultString)
    {
        faultCode = "";
        faultString = "";
        if (TryLoad(body) is not { } document)
        {
            return false;
        }

        var fault = document.Root?.Element(Envelope + "Body")?.Elements().FirstOrDefault(e => e.Name.LocalName == "Fault");
        if (fault is null)
        {
            return false;
        }

        faultCode = Child(fault, "faultcode") ?? "";
        faultString = Child(fault, "faultstring") ?? "";
        return true;
    }

    /// <summary>Reads <c>XacThucThongTinCongDanResponse</c>; throws <see cref="FormatException"/> when the body is not one.</summary>
    public static C06RawAnswer ReadAnswer(ReadOnlySpan<byte> body)
    {
        var document = TryLoad(body) ?? throw new FormatException("The answer is not XML.");
        var response = document.Root?.Element(Envelope + "Body")?.Element(Bca + "XacThucThongTinCongDanResponse")
            ?? throw new FormatException("The answer has no XacThucThongTinCongDanResponse in a SOAP body.");

        // Children are read by local name: the contract does not say whether they are qualified.
        var result = response.Elements().FirstOrDefault(e => e.Name.LocalName == "KetQua") ?? response;
        return new C06RawAnswer(
            Child(response, "MaYeuCau"),
            Child(result, "MaKetQua") ?? throw new FormatException("The answer has no MaKetQua."),
            Child(result, "TruongKhongKhop") ?? Child(response, "TruongKhongKhop"),
            Child(result, "MucDoDinhDanh") ?? Child(response, "MucDoDinhDanh"));
    }

    private static string? Child(XElement parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value.Trim();

    private static XDocument? TryLoad(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxAnswerBytes,
            IgnoreComments = true,
        };
        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, settings);
            return XDocument.Load(reader);
        }
        catch (XmlException)
        {
            return null;
        }
    }
}

/// <summary>The fields of a C06 answer as sent, before they are given a meaning.</summary>
internal sealed record C06RawAnswer(string? RequestId, string ResultCode, string? MismatchedFields, string? IdentityLevel);
