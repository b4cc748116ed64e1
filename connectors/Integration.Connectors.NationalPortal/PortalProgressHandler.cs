using System.Globalization;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Sends the progress steps other connectors enqueue on <see cref="DossierProgress.Topic"/> (linked
/// procedures, for one) as <c>CapNhatTienDoHoSoMC</c>. <c>00</c> and <c>97</c> count as delivered; any
/// other code is permanent.
/// </summary>
internal sealed class PortalProgressHandler(
    IServiceScopeFactory scopes,
    ConnectorTelemetry telemetry,
    ILogger<PortalProgressHandler> logger)
    : IOutboxHandler
{
    public string Topic => DossierProgress.Topic;

    public string Connector => NationalPortalServiceCollectionExtensions.ConnectorName;

    public async Task DispatchAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var p = DossierProgress.FromJson(item.Payload) ?? throw new OutboxPermanentFailureException("The stored progress cannot be read.");
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<PortalClient>();
        await telemetry.TrackAsync(
            Connector,
            "dossier_progress",
            async ct =>
            {
                var answer = await client.UpdateProgressAsync(
                    new PortalProgress
                    {
                        MaHoSo = p.DossierCode,
                        NguoiXuLy = p.Handler,
                        ChucDanh = p.HandlerTitle,
                        ThoiDiemXuLy = VietnamTime.Format14(p.At),
                        PhongBanXuLy = p.Department,
                        NoiDungXuLy = p.Note,
                        TrangThai = p.Status.ToString(CultureInfo.InvariantCulture),
                        NgayBatDau = VietnamTime.Format14(p.StartedAt),
                        NgayKetThucTheoQuyDinh = p.DueAt is { } due ? VietnamTime.Format14(due) : null,
                        PhienBan = p.Version.ToString(CultureInfo.InvariantCulture),
                    },
                    ct);
                if (answer.ErrorCode == PortalAnswer.DuplicateVersion)
                {
                    Log.DuplicateAtPortal(logger, "CapNhatTienDoHoSoMC", p.DossierCode, p.Version);
                }
                else if (!answer.Succeeded)
                {
                    throw new UpstreamErrorException(
                        PortalClient.Upstream,
                        $"CapNhatTienDoHoSoMC was refused with error {answer.ErrorCode}: {answer.Message ?? "(no message)"}",
                        transient: false);
                }

                return true;
            },
            cancellationToken);
    }
}
