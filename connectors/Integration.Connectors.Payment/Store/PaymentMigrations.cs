using Integration.Core.Store;

namespace Integration.Connectors.Payment.Store;

/// <summary>The payment schema (ids 3xxx). Never edit a released migration: add one.</summary>
internal static class PaymentMigrations
{
    public static readonly StoreMigration Schema = new(
        "3001-payment-schema",
        """
        CREATE TABLE payments (
            id TEXT PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE,
            client TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            method TEXT NOT NULL,
            status TEXT NOT NULL,
            amount BIGINT NOT NULL,
            dossier_code TEXT NOT NULL,
            fee_code TEXT NOT NULL,
            description TEXT NOT NULL,
            order_info TEXT NOT NULL,
            payer_name TEXT NULL,
            payer_phone TEXT NULL,
            payer_email TEXT NULL,
            return_url TEXT NULL,
            redirect_url TEXT NULL,
            qr_payload TEXT NULL,
            provider_create_date TEXT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            paid_at BIGINT NULL,
            provider_transaction_no TEXT NULL,
            bank_code TEXT NULL,
            failure_code TEXT NULL
        );
        CREATE INDEX ix_payments_client_key ON payments (client, idempotency_key);
        CREATE INDEX ix_payments_pending ON payments (status, method, created_at);
        CREATE TABLE payment_events (
            id TEXT PRIMARY KEY,
            payment_id TEXT NOT NULL REFERENCES payments (id),
            at BIGINT NOT NULL,
            from_status TEXT NULL,
            to_status TEXT NOT NULL,
            source TEXT NOT NULL,
            detail TEXT NULL
        );
        CREATE INDEX ix_payment_events_payment ON payment_events (payment_id, at);
        CREATE TABLE idempotency_records (
            client TEXT NOT NULL,
            idem_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            state TEXT NOT NULL,
            owner TEXT NOT NULL,
            lease_until BIGINT NOT NULL,
            response_status BIGINT NULL,
            response_body TEXT NULL,
            payment_id TEXT NULL,
            created_at BIGINT NOT NULL,
            completed_at BIGINT NULL,
            PRIMARY KEY (client, idem_key)
        );
        CREATE INDEX ix_idempotency_records_created ON idempotency_records (created_at);
        CREATE TABLE bank_notices (
            transaction_id TEXT PRIMARY KEY,
            received_at BIGINT NOT NULL,
            bank_bin TEXT NULL,
            account_number TEXT NULL,
            amount BIGINT NOT NULL,
            content TEXT NOT NULL,
            transferred_at TEXT NULL,
            reference TEXT NULL,
            payment_id TEXT NULL,
            expected_amount BIGINT NULL,
            outcome TEXT NOT NULL,
            flagged BIGINT NOT NULL
        );
        CREATE INDEX ix_bank_notices_flagged ON bank_notices (flagged, received_at);
        """);

    /// <summary>
    /// One payment per (client, Idempotency-Key), enforced by the store and not only by the idempotency records
    /// (which are deleted after their retention). Databases from before may hold a later payment made with a key
    /// whose record had been deleted: the oldest keeps the key, later ones get <c>#</c> and their id appended.
    /// </summary>
    public static readonly StoreMigration UniqueIdempotencyKey = new(
        "3002-payment-unique-idempotency-key",
        """
        UPDATE payments SET idempotency_key = idempotency_key || '#' || id
        WHERE EXISTS (
            SELECT 1 FROM payments o
            WHERE o.client = payments.client AND o.idempotency_key = payments.idempotency_key
              AND (o.created_at < payments.created_at OR (o.created_at = payments.created_at AND o.id < payments.id)));
        DROP INDEX ix_payments_client_key;
        CREATE UNIQUE INDEX ux_payments_client_key ON payments (client, idempotency_key);
        """);

    /// <summary>
    /// Money reported by VNPAY's IPN for a payment that can no longer take it (expired, failed, paid by another
    /// transaction) is kept for an operator in <c>bank_notices</c> too; <c>source</c> says who reported it.
    /// </summary>
    public static readonly StoreMigration MoneyReportSource = new(
        "3003-payment-money-report-source",
        """
        ALTER TABLE bank_notices ADD COLUMN source TEXT NOT NULL DEFAULT 'bank_notice';
        """);

    /// <summary>
    /// A replay answers with the payment the key made (<c>payment_id</c>), not with a stored HTTP body: the answer's
    /// columns go. Every completed record already names its payment, so records from before still replay. An instance
    /// of an older version still writes these columns, so all instances are upgraded together.
    /// </summary>
    public static readonly StoreMigration ReplayFromPayment = new(
        "3004-payment-replay-from-payment",
        """
        ALTER TABLE idempotency_records DROP COLUMN response_body;
        ALTER TABLE idempotency_records DROP COLUMN response_status;
        """);
}
