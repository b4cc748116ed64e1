namespace Integration.Connectors.Payment;

/// <summary>The Payment connector's settings (<c>Connectors:Payment</c>).</summary>
public sealed class PaymentOptions
{
    /// <summary>VNPAY merchant settings (<c>Connectors:Payment:Vnpay</c>).</summary>
    public VnpayOptions Vnpay { get; set; } = new();

    /// <summary>The province's collection account for VietQR transfers (<c>Connectors:Payment:VietQr</c>).</summary>
    public VietQrOptions VietQr { get; set; } = new();

    /// <summary>Bank credit notices (<c>Connectors:Payment:BankNotices</c>).</summary>
    public BankNoticeOptions BankNotices { get; set; } = new();

    /// <summary>The reconciliation job (<c>Connectors:Payment:Reconciliation</c>).</summary>
    public ReconciliationOptions Reconciliation { get; set; } = new();

    /// <summary>Idempotency keys of <c>POST /api/v1/payments</c> (<c>Connectors:Payment:Idempotency</c>).</summary>
    public IdempotencyOptions Idempotency { get; set; } = new();

    /// <summary>Largest amount a payment may ask for, in whole VND.</summary>
    /// <value>500,000,000.</value>
    public long MaxAmount { get; set; } = 500_000_000;
}

/// <summary>VNPAY API 2.1.0 merchant settings.</summary>
public sealed class VnpayOptions
{
    /// <summary>The hosted payment page, e.g. <c>https://sandbox.vnpayment.vn/paymentv2/vpcpay.html</c>. Required.</summary>
    public string PayUrl { get; set; } = "";

    /// <summary>The merchant web API (<c>querydr</c>), e.g. <c>https://sandbox.vnpayment.vn/merchant_webapi/api/transaction</c>. Required.</summary>
    public string ApiUrl { get; set; } = "";

    /// <summary>The terminal code VNPAY issued (8 characters). Required.</summary>
    public string TmnCode { get; set; } = "";

    /// <summary>The hash secret VNPAY issued, key of every HMAC-SHA512 signature. Required.</summary>
    public string HashSecret { get; set; } = "";

    /// <summary><c>vnp_Locale</c> of the payment page: <c>vn</c> or <c>en</c>.</summary>
    /// <value><c>vn</c>.</value>
    public string Locale { get; set; } = "vn";

    /// <summary><c>vnp_OrderType</c>, VNPAY's goods category.</summary>
    /// <value><c>other</c>.</value>
    public string OrderType { get; set; } = "other";

    /// <summary>How long the payer has on VNPAY's page (<c>vnp_ExpireDate</c>); the payment expires after it.</summary>
    /// <value>15 minutes.</value>
    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary><c>vnp_IpAddr</c> of the gateway's own <c>querydr</c> calls, and of payments whose caller gives no payer address.</summary>
    /// <value><c>127.0.0.1</c>.</value>
    public string ServerIpAddress { get; set; } = "127.0.0.1";
}

/// <summary>The collection account a VietQR code pays into.</summary>
public sealed class VietQrOptions
{
    /// <summary>The bank's 6-digit NAPAS BIN, e.g. <c>970403</c>. Required.</summary>
    public string BankBin { get; set; } = "";

    /// <summary>The account number (digits, at most 19). Required.</summary>
    public string AccountNumber { get; set; } = "";

    /// <summary>The account holder's name, shown to operators. Required.</summary>
    public string AccountName { get; set; } = "";

    /// <summary>How long a QR code stays payable; the payment expires after it.</summary>
    /// <value>60 minutes.</value>
    public TimeSpan PaymentTimeout { get; set; } = TimeSpan.FromMinutes(60);
}

/// <summary>Credit notices the collecting bank posts for VietQR transfers.</summary>
public sealed class BankNoticeOptions
{
    /// <summary>The HMAC-SHA256 secret shared with the bank. Required.</summary>
    public string Secret { get; set; } = "";

    /// <summary>How far <c>X-Timestamp</c> may be from the gateway's clock.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan Tolerance { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>The job that settles VNPAY payments whose IPN did not arrive and expires unpaid ones.</summary>
public sealed class ReconciliationOptions
{
    /// <summary>Quartz cron expression of the job; every instance must use the same one (one run per slot across instances).</summary>
    /// <value><c>0 * * * * ?</c> (every minute, at second 0).</value>
    public string Schedule { get; set; } = "0 * * * * ?";

    /// <summary>A VNPAY payment pending for longer than this is asked about with <c>querydr</c>.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan PendingAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most payments handled per run and step.</summary>
    /// <value>100.</value>
    public int BatchSize { get; set; } = 100;
}

/// <summary>How idempotency records of payment creation are kept.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>How long a record (and so a replay) is kept; at least 24 hours.</summary>
    /// <value>24 hours.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claimed key counts as in flight. A gateway that dies while creating a payment leaves
    /// no payment; after this time the same key may try again instead of getting 409 for ever.
    /// </summary>
    /// <value>30 seconds.</value>
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromSeconds(30);
}
