using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Integration.Connectors.NationalPortal;

// What the portal adapter sends and receives (docs/upstreams.md, "National public-service portal
// adapter"; field meanings in docs/domain.md, "National public-service portal"), and the outbox payload this connector stores.
// The requests made with the session leave it out: PortalSession writes it into the body.

internal sealed record PortalAuthRequest(
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password);

/// <summary>Every adapter answer carries <c>error_code</c> (a number in some answers, a string in others) and <c>message</c>.</summary>
internal class PortalAnswer
{
    public const string SessionExpired = "-1";
    public const string DuplicateVersion = "97";

    [JsonPropertyName("error_code")]
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? ErrorCode { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }

    [JsonIgnore]
    public bool Succeeded => ErrorCode is "0" or "00";
}

internal sealed class PortalAuthAnswer : PortalAnswer
{
    [JsonPropertyName("session")]
    public string? Session { get; init; }
}

internal sealed record SyncDossierRequest(
    [property: JsonPropertyName("madonvi")] string AgencyCode,
    [property: JsonPropertyName("isUpdating")] string IsUpdating,
    [property: JsonPropertyName("data")] IReadOnlyList<PortalDossier> Data)
{
    [JsonPropertyName("service")]
    public string Service => "DongBoHoSoMC";
}

internal sealed record UpdateProgressRequest(
    [property: JsonPropertyName("madonvi")] string AgencyCode,
    [property: JsonPropertyName("data")] IReadOnlyList<PortalProgress> Data)
{
    [JsonPropertyName("service")]
    public string Service => "CapNhatTienDoHoSoMC";
}

/// <summary>
/// One dossier for <c>DongBoHoSoMC</c>. Codes go as strings, dates as yyyyMMddHHmmss Vietnam time.
/// <c>PhienBan</c> carries the one-stop system's version, by which the portal recognises a repeat (97).
/// </summary>
internal sealed record PortalDossier
{
    public required string MaHoSo { get; init; }
    public required string MaTTHC { get; init; }
    public string? TenTTHC { get; init; }
    public string? MaLinhVuc { get; init; }
    public required string ChuHoSo { get; init; }
    public required string LoaiDoiTuong { get; init; }
    public string? SoDienThoai { get; init; }
    public string? TrichYeuHoSo { get; init; }
    public required string NgayTiepNhan { get; init; }
    public string? NgayHenTra { get; init; }
    public required string TrangThaiHoSo { get; init; }
    public string? NgayTra { get; init; }
    public required string HinhThuc { get; init; }
    public required string DonViXuLy { get; init; }
    public IReadOnlyList<PortalFee>? DanhSachLePhi { get; init; }
    public required string PhienBan { get; init; }
}

internal sealed record PortalFee(string? MaPhiLePhi, string TenPhiLePhi, long Gia);

/// <summary>One processing step for <c>CapNhatTienDoHoSoMC</c>.</summary>
internal sealed record PortalProgress
{
    public required string MaHoSo { get; init; }
    public required string NguoiXuLy { get; init; }
    public string? ChucDanh { get; init; }
    public required string ThoiDiemXuLy { get; init; }
    public string? PhongBanXuLy { get; init; }
    public string? NoiDungXuLy { get; init; }
    public required string TrangThai { get; init; }
    public required string NgayBatDau { get; init; }
    public string? NgayKetThucTheoQuyDinh { get; init; }
    public required string PhienBan { get; init; }
}

internal sealed record CatalogueRequest(
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("pageSize")] int PageSize)
{
    [JsonPropertyName("service")]
    public string Service => "LayDanhSachTTHC";
}

internal sealed class CatalogueAnswer : PortalAnswer
{
    [JsonPropertyName("total")]
    [JsonConverter(typeof(NumberOrStringConverter))]
    public long? Total { get; init; }

    [JsonPropertyName("result")]
    public List<PortalProcedure>? Result { get; init; }
}

internal sealed class PortalProcedure
{
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? MaTTHC { get; init; }

    public string? TenTTHC { get; init; }

    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? MaLinhVuc { get; init; }

    public string? TenLinhVuc { get; init; }

    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? CapThucHien { get; init; }

    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? MucDo { get; init; }
}

internal sealed record AccountStatsRequest(
    [property: JsonPropertyName("maDiaBan")] string Locality)
{
    [JsonPropertyName("service")]
    public string Service => "ThongKeTaiKhoan";
}

internal sealed class AccountStatsAnswer : PortalAnswer
{
    [JsonPropertyName("result")]
    public List<PortalAccountStats>? Result { get; init; }
}

internal sealed class PortalAccountStats
{
    [JsonConverter(typeof(StringOrNumberConverter))]
    public string? MaDiaBan { get; init; }

    public string? TenDiaBan { get; init; }

    [JsonConverter(typeof(NumberOrStringConverter))]
    public long? SoTaiKhoan { get; init; }

    [JsonConverter(typeof(NumberOrStringConverter))]
    public long? SoTaiKhoanMuc2 { get; init; }
}

/// <summary>The outbox payload: a validated status change as the one-stop system sent it (the phone number in E.164).</summary>
internal sealed record DossierChange(
    string DossierCode,
    long Version,
    string ProcedureCode,
    string? ProcedureName,
    string? FieldCode,
    int Status,
    DateTimeOffset ChangedAt,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? DueAt,
    DateTimeOffset? ReturnedAt,
    string AgencyCode,
    string ApplicantName,
    int ApplicantType,
    string? PhoneNumber,
    string? Summary,
    int Channel,
    string? Handler,
    string? HandlerTitle,
    string? Department,
    string? Note,
    IReadOnlyList<DossierFee>? Fees);

internal sealed record DossierFee(string? Code, string Name, long Amount);

// Names as declared: the adapter's fields are PascalCase Vietnamese, its envelope lower case (named explicitly).
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PortalAuthRequest))]
[JsonSerializable(typeof(PortalAnswer))]
[JsonSerializable(typeof(PortalAuthAnswer))]
[JsonSerializable(typeof(SyncDossierRequest))]
[JsonSerializable(typeof(UpdateProgressRequest))]
[JsonSerializable(typeof(CatalogueRequest))]
[JsonSerializable(typeof(CatalogueAnswer))]
[JsonSerializable(typeof(AccountStatsRequest))]
[JsonSerializable(typeof(AccountStatsAnswer))]
[JsonSerializable(typeof(DossierChange))]
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class PortalJsonContext : JsonSerializerContext;

/// <summary>Reads a JSON string or number as a string (the adapter sends <c>"00"</c> in one answer and <c>0</c> in another).</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a string or a number, got {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>Reads a JSON number or a string holding an integer as a long.</summary>
internal sealed class NumberOrStringConverter : JsonConverter<long?>
{
    public override bool HandleNull => true;

    public override long? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt64(out var n) => n,
        JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected an integer, got {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, long? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteNumberValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
