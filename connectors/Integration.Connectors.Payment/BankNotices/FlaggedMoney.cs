namespace Integration.Connectors.Payment.BankNotices;

/// <summary>Money that arrived (by bank notice or VNPAY IPN) for a payment that can no longer take it is kept for an operator.</summary>
internal static class FlaggedMoney
{
    /// <summary>The flagged outcome of money reported for a payment in <paramref name="status"/> (not pending).</summary>
    public static string OutcomeFor(string status) => status switch
    {
        PaymentStatuses.Expired => "payment_expired",
        PaymentStatuses.Failed => "payment_failed",
        PaymentStatuses.Paid => "already_paid",
        _ => "not_pending",
    };
}
