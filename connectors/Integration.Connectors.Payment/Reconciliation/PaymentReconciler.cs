using Integration.Connectors.Payment.Store;
using Integration.Connectors.Payment.Vnpay;
using Integration.Core.Problems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Payment.Reconciliation;

/// <summary>What one reconciliation run did.</summary>
internal sealed record ReconciliationResult(int Queried, int Settled, int Expired, int Failed, int IdempotencyRecordsDeleted);

/// <summary>
/// Settles what callbacks missed: asks VNPAY (<c>querydr</c>) about payments pending longer than
/// <see cref="ReconciliationOptions.PendingAge"/>, expires payments past their expiry (a VNPAY payment only
/// once VNPAY has said it is not paid, so a paid one whose IPN was lost is never expired), and deletes
/// idempotency records past their retention. Each change is a conditional UPDATE from <c>pending</c>,
/// so instances running this at once, or an IPN arriving meanwhile, never apply twice.
/// </summary>
internal sealed class PaymentReconciler(
    PaymentStore store,
    VnpayClient vnpay,
    IOptions<PaymentOptions> options,
    TimeProvider time,
    ILogger<PaymentReconciler> logger)
{
    private readonly PaymentOptions _options = options.Value;

    public async Task<ReconciliationResult> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var batch = _options.Reconciliation.BatchSize;
        var overdue = await store.ListOverdueAsync(now, batch, ct);
        var due = await store.ListPendingVnpayAsync(now - (long)_options.Reconciliation.PendingAge.TotalMilliseconds, batch, ct);
        int queried = 0, settled = 0, expired = 0, failed = 0;
        foreach (var payment in overdue.Concat(due).DistinctBy(p => p.Id))
        {
            var isOverdue = payment.ExpiresAt <= now;
            if (payment.Method != PaymentMethods.Vnpay)
            {
                if (isOverdue && await store.TrySettleAsync(payment.Id, new PaymentSettlement(PaymentStatuses.Expired, "expiry", null), now, ct))
                {
                    expired++;
                    Log.PaymentSettled(logger, payment.Id, PaymentStatuses.Expired, "expiry");
                }

                continue;
            }

            VnpayQueryResult answer;
            try
            {
                queried++;
                answer = await vnpay.QueryAsync(payment.Reference, payment.ProviderCreateDate ?? "", ct);
            }
            catch (UpstreamException ex)
            {
                failed++;
                Log.ReconcileFailed(logger, payment.Id, ex.Detail ?? ex.Title);
                continue;
            }

            var settlement = Settlement(payment, answer, isOverdue);
            if (settlement is not null && await store.TrySettleAsync(payment.Id, settlement, time.GetUtcNow().ToUnixTimeMilliseconds(), ct))
            {
                if (settlement.To == PaymentStatuses.Expired)
                {
                    expired++;
                }
                else
                {
                    settled++;
                }

                Log.PaymentSettled(logger, payment.Id, settlement.To, settlement.Source);
            }
        }

        var deleted = await store.DeleteIdempotencyRecordsBeforeAsync(now - (long)_options.Idempotency.Retention.TotalMilliseconds, ct);
        if (queried + expired + deleted > 0)
        {
            Log.Reconciled(logger, queried, settled, expired, deleted);
        }

        return new ReconciliationResult(queried, settled, expired, failed, deleted);
    }

    private PaymentSettlement? Settlement(PaymentRow payment, VnpayQueryResult answer, bool overdue)
    {
        var detail = $"vnp_ResponseCode {answer.ResponseCode}, vnp_TransactionStatus {answer.TransactionStatus}";
        switch (answer.Outcome)
        {
            case VnpayQueryOutcome.Paid when answer.AmountTimes100 != payment.Amount * 100:
                Log.QueryAmountMismatch(logger, payment.Id, answer.AmountTimes100);
                return null;
            case VnpayQueryOutcome.Paid:
                return new PaymentSettlement(PaymentStatuses.Paid, "querydr", detail,
                    ProviderTransactionNo: answer.TransactionNo, BankCode: answer.BankCode, PaidAt: PaymentTime.FromPayDate(answer.PayDate));
            case VnpayQueryOutcome.Failed:
                return new PaymentSettlement(PaymentStatuses.Failed, "querydr", detail,
                    ProviderTransactionNo: answer.TransactionNo, BankCode: answer.BankCode, FailureCode: answer.TransactionStatus);
            default:
                return overdue ? new PaymentSettlement(PaymentStatuses.Expired, "expiry", detail) : null;
        }
    }
}
