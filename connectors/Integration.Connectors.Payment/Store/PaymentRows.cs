namespace Integration.Connectors.Payment.Store;

/// <summary>A row of <c>payments</c>. Times are Unix milliseconds.</summary>
internal sealed class PaymentRow
{
    public const string Columns =
        """
        id AS Id, reference AS Reference, client AS Client, idempotency_key AS IdempotencyKey, method AS Method, status AS Status,
        amount AS Amount, dossier_code AS DossierCode, fee_code AS FeeCode, description AS Description, order_info AS OrderInfo,
        payer_name AS PayerName, payer_phone AS PayerPhone, payer_email AS PayerEmail, return_url AS ReturnUrl,
        redirect_url AS RedirectUrl, qr_payload AS QrPayload, provider_create_date AS ProviderCreateDate,
        created_at AS CreatedAt, expires_at AS ExpiresAt, updated_at AS UpdatedAt, paid_at AS PaidAt,
        provider_transaction_no AS ProviderTransactionNo, bank_code AS BankCode, failure_code AS FailureCode
        """;

    public string Id { get; set; } = "";

    /// <summary><c>vnp_TxnRef</c> for VNPAY, the purpose (62.08) of the VietQR code.</summary>
    public string Reference { get; set; } = "";

    public string Client { get; set; } = "";

    public string IdempotencyKey { get; set; } = "";

    public string Method { get; set; } = "";

    public string Status { get; set; } = "";

    /// <summary>Whole VND.</summary>
    public long Amount { get; set; }

    public string DossierCode { get; set; } = "";

    public string FeeCode { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>The description without diacritics, as sent to VNPAY.</summary>
    public string OrderInfo { get; set; } = "";

    public string? PayerName { get; set; }

    public string? PayerPhone { get; set; }

    public string? PayerEmail { get; set; }

    public string? ReturnUrl { get; set; }

    public string? RedirectUrl { get; set; }

    public string? QrPayload { get; set; }

    /// <summary><c>vnp_CreateDate</c> of the pay URL, which <c>querydr</c> sends back as <c>vnp_TransactionDate</c>.</summary>
    public string? ProviderCreateDate { get; set; }

    public long CreatedAt { get; set; }

    public long ExpiresAt { get; set; }

    public long UpdatedAt { get; set; }

    public long? PaidAt { get; set; }

    public string? ProviderTransactionNo { get; set; }

    public string? BankCode { get; set; }

    public string? FailureCode { get; set; }
}

/// <summary>A row of <c>payment_events</c>: one status transition.</summary>
internal sealed class PaymentEventRow
{
    public string Id { get; set; } = "";

    public string PaymentId { get; set; } = "";

    public long At { get; set; }

    public string? FromStatus { get; set; }

    public string ToStatus { get; set; } = "";

    public string Source { get; set; } = "";

    public string? Detail { get; set; }
}

/// <summary>A row of <c>idempotency_records</c>: a key's claim while in flight, then the payment it made.</summary>
internal sealed class IdempotencyRow
{
    public const string InFlight = "in_flight";
    public const string Completed = "completed";

    public string Client { get; set; } = "";

    public string Key { get; set; } = "";

    public string RequestHash { get; set; } = "";

    public string State { get; set; } = "";

    public string Owner { get; set; } = "";

    public long LeaseUntil { get; set; }

    /// <summary>The payment the key made, once <see cref="Completed"/>: a replay answers with it.</summary>
    public string? PaymentId { get; set; }

    public long CreatedAt { get; set; }
}

/// <summary>A row of <c>bank_notices</c>.</summary>
internal sealed class BankNoticeRow
{
    public const string Columns =
        """
        transaction_id AS TransactionId, received_at AS ReceivedAt, bank_bin AS BankBin, account_number AS AccountNumber,
        amount AS Amount, content AS Content, transferred_at AS TransferredAt, reference AS Reference, payment_id AS PaymentId,
        expected_amount AS ExpectedAmount, outcome AS Outcome, flagged AS Flagged, source AS Source
        """;

    public const string BankNotice = "bank_notice";
    public const string VnpayIpn = "vnpay_ipn";

    public string TransactionId { get; set; } = "";

    public long ReceivedAt { get; set; }

    public string? BankBin { get; set; }

    public string? AccountNumber { get; set; }

    public long Amount { get; set; }

    public string Content { get; set; } = "";

    public string? TransferredAt { get; set; }

    public string? Reference { get; set; }

    public string? PaymentId { get; set; }

    public long? ExpectedAmount { get; set; }

    public string Outcome { get; set; } = "";

    /// <summary>1 when an operator must look at it (0/1: every integer column is a BIGINT).</summary>
    public long Flagged { get; set; }

    /// <summary>Who reported the money: <see cref="BankNotice"/> (the collecting bank) or <see cref="VnpayIpn"/>.</summary>
    public string Source { get; set; } = BankNotice;
}

/// <summary>What <c>PaymentStore.TryCompleteCreationAsync</c> did.</summary>
internal enum CreationOutcome
{
    /// <summary>The payment, its event and the completed idempotency record are written.</summary>
    Completed,

    /// <summary>Another request took the key over (this one's lease ran out): nothing written.</summary>
    ClaimLost,

    /// <summary>A payment already holds this (client, key), made before its idempotency record was deleted: nothing written.</summary>
    KeyHoldsAnOlderPayment,
}

/// <summary>How a settled payment changes, applied only while it is still pending.</summary>
internal sealed record PaymentSettlement(
    string To,
    string Source,
    string? Detail,
    string? ProviderTransactionNo = null,
    string? BankCode = null,
    long? PaidAt = null,
    string? FailureCode = null);
