using System.Text.Json;
using System.Text.Json.Serialization;

namespace Integration.Core.Outbox;

/// <summary>
/// A processing step of a dossier for the citizen to see on the national public-service portal
/// (<c>CapNhatTienDoHoSoMC</c>). Any connector enqueues it on <see cref="Topic"/> with the dossier code as
/// key and <see cref="Version"/> as version; the NationalPortal connector sends it. This contract keeps the
/// enqueuing connector independent of the portal connector.
/// </summary>
/// <param name="DossierCode">MaHoSo.</param>
/// <param name="Version">Positive, unique per dossier on this topic; sent as PhienBan, by which the portal recognises a repeat.</param>
/// <param name="Handler">NguoiXuLy: who handled the step (a person or a system).</param>
/// <param name="HandlerTitle">ChucDanh.</param>
/// <param name="At">ThoiDiemXuLy.</param>
/// <param name="Department">PhongBanXuLy.</param>
/// <param name="Note">NoiDungXuLy: what was done, in Vietnamese, free of personal data.</param>
/// <param name="Status">TrangThai: the dossier status code after the step (4 processing, 9 result ready...).</param>
/// <param name="StartedAt">NgayBatDau: when processing of the dossier began.</param>
/// <param name="DueAt">NgayKetThucTheoQuyDinh, when known.</param>
public sealed record DossierProgress(
    string DossierCode,
    long Version,
    string Handler,
    string? HandlerTitle,
    DateTimeOffset At,
    string? Department,
    string Note,
    int Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? DueAt)
{
    /// <summary>The outbox topic of portal progress updates.</summary>
    public const string Topic = "portal.dossier-progress";

    public string ToJson() => JsonSerializer.Serialize(this, DossierProgressJsonContext.Default.DossierProgress);

    /// <summary>Reads what <see cref="ToJson"/> wrote; null when it cannot be read.</summary>
    public static DossierProgress? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DossierProgressJsonContext.Default.DossierProgress);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DossierProgress))]
internal sealed partial class DossierProgressJsonContext : JsonSerializerContext;
