using Integration.Core.Jobs;
using Quartz;

namespace Integration.Connectors.Payment.Reconciliation;

/// <summary>Runs <see cref="PaymentReconciler"/> on <see cref="ReconciliationOptions.Schedule"/>, once per slot across instances.</summary>
[DisallowConcurrentExecution]
internal sealed class PaymentReconciliationJob(JobLease lease, PaymentReconciler reconciler) : LeasedJob(lease)
{
    public const string Name = "payment-reconciliation";

    protected override Task RunAsync(CancellationToken cancellationToken) => reconciler.RunAsync(cancellationToken);
}
