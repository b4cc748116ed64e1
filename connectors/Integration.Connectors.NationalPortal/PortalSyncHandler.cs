using System.Globalization;
using System.Text.Json;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Sends one queued status change: <c>DongBoHoSoMC</c> with the dossier as it stands at that version, then,
/// when the change names a handler, <c>CapNhatTienDoHoSoMC</c> with the processing step. <c>00</c> and
/// <c>97</c> (the portal already applied this version) count as delivered; any other code is permanent and
/// its message is kept on the dead item. Transport failures are transient (the outbox retries them).
/// </summary>
internal sealed class PortalSyncHandler(
    IServiceScopeFactory scopes,
    OutboxStore outbox,
    ConnectorTelemetry telemetry,
    ILogger<PortalSyncHandler> logger)
    : IOutboxHandler
{
    public const string TopicName = "portal.dossier-status";

    public string Topic => TopicName;

    public string Connector => NationalPortalServiceCollectionExtensions.ConnectorName;

    public async Task DispatchAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var change = ReadPayload(item.Payload) ?? throw new OutboxPermanentFailureException("The stored change cannot be read.");

        // isUpdating is "False" until the portal has accepted a version of this dossier from the gateway.
        // Deciding by what was delivered rather than by version == 1 stays right when the one-stop system
        // starts at a later version or an operator skipped the first one.
        var isUpdating = await outbox.HasDeliveredBelowAsync(item.Topic, item.Key, item.Version, cancellationToken);

        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<PortalClient>();
        await telemetry.TrackAsync(
            Connector,
            "dossier_sync",
            async ct =>
            {
                var answer = await client.SyncDossierAsync(ToDossier(change), isUpdating, ct);
                Judge(answer, "DongBoHoSoMC", change);
                if (change.Handler is not null)
                {
                    var progress = await client.UpdateProgressAsync(ToProgress(change), ct);
                    Judge(progress, "CapNhatTienDoHoSoMC", change);
                }

                return true;
            },
            cancellationToken);
    }

    internal static DossierChange? ReadPayload(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize(payload, PortalJsonContext.Default.DossierChange);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static PortalDossier ToDossier(DossierChange c) => new()
    {
        MaHoSo = c.DossierCode,
        MaTTHC = c.ProcedureCode,
        TenTTHC = c.ProcedureName,
        MaLinhVuc = c.FieldCode,
        ChuHoSo = c.ApplicantName,
        LoaiDoiTuong = Number(c.ApplicantType),
        SoDienThoai = PhoneNumber.TryParse(c.PhoneNumber, out var phone) ? phone.National : null,
        TrichYeuHoSo = c.Summary,
        NgayTiepNhan = VietnamTime.Format14(c.ReceivedAt),
        NgayHenTra = Format(c.DueAt),
        TrangThaiHoSo = Number(c.Status),
        NgayTra = Format(c.ReturnedAt),
        HinhThuc = Number(c.Channel),
        DonViXuLy = c.AgencyCode,
        DanhSachLePhi = c.Fees?.Select(f => new PortalFee(f.Code, f.Name, f.Amount)).ToList(),
        PhienBan = Number(c.Version),
    };

    internal static PortalProgress ToProgress(DossierChange c) => new()
    {
        MaHoSo = c.DossierCode,
        NguoiXuLy = c.Handler!,
        ChucDanh = c.HandlerTitle,
        ThoiDiemXuLy = VietnamTime.Format14(c.ChangedAt),
        PhongBanXuLy = c.Department,
        NoiDungXuLy = c.Note,
        TrangThai = Number(c.Status),
        NgayBatDau = VietnamTime.Format14(c.ReceivedAt),
        NgayKetThucTheoQuyDinh = Format(c.DueAt),
        PhienBan = Number(c.Version),
    };

    private void Judge(PortalAnswer answer, string service, DossierChange change)
    {
        if (answer.Succeeded)
        {
            return;
        }

        if (answer.ErrorCode == PortalAnswer.DuplicateVersion)
        {
            Log.DuplicateAtPortal(logger, service, change.DossierCode, change.Version);
            return;
        }

        throw new UpstreamErrorException(
            PortalClient.Upstream,
            $"{service} was refused with error {answer.ErrorCode}: {answer.Message ?? "(no message)"}",
            transient: false);
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string? Format(DateTimeOffset? value) => value is { } v ? VietnamTime.Format14(v) : null;
}
