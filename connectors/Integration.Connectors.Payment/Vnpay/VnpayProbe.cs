using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// Probes VNPAY with a <c>querydr</c> for a TxnRef that cannot exist: harmless, no personal data, and a
/// signed "not found" (91) proves reachability, credentials and the hash secret at once. VietQR and bank
/// notices have no upstream to call (the QR is built locally, notices come in), so they are not probed.
/// </summary>
internal sealed class VnpayProbe(IServiceProvider services, TimeProvider time) : IConnectorProbe
{
    public string Connector => PaymentServiceCollectionExtensions.ConnectorName;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        string? error = null;
        try
        {
            // A typed client per probe: a singleton holding one would keep its handler (and DNS answer) for ever.
            var vnpay = services.GetRequiredService<VnpayClient>();
            await vnpay.QueryAsync("PROBE" + VietnamTime.Format14(now), VietnamTime.Format14(now), cancellationToken);
        }
        catch (GatewayProblemException ex)
        {
            error = ex.Detail ?? ex.Title;
        }
        catch (OperationCanceledException)
        {
            error = "probe cancelled";
        }
        catch (Exception ex)
        {
            error = ex.GetType().Name;
        }

        return [new UpstreamProbeResult(VnpayClient.Upstream, error is null, time.GetElapsedTime(started).TotalMilliseconds, error)];
    }
}
