using Integration.Core.Jobs;
using Quartz;

namespace Integration.Connectors.Payment.Reconciliation;

/// <summary>Runs <see cref="PaymentReconciler"/> on <see cref="ReconciliationOptions.Schedule"/>, on one instance per firing (the clustered scheduler).</summary>
[DisallowConcurrentExecution]
internal sealed class PaymentReconciliationJob(PaymentReconciler reconciler) : SystemJob
{
    public const string Name = "payment-reconciliation";

    protected override Task RunAsync(CancellationToken cancellationToken) => reconciler.RunAsync(cancellationToken);
}
