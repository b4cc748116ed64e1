namespace Integration.Connectors.Payment.BankNotices;

/// <summary>A bank credit notice as the bank posts it (docs/upstreams.md, "Bank credit notices").</summary>
internal sealed record BankNoticeBody(
    string? TransactionId,
    string? BankBin,
    string? AccountNumber,
    long? Amount,
    string? Content,
    string? TransferredAt);
