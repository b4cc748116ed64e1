using System.Diagnostics;
using Integration.Connectors.Payment;
using Integration.Core.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the Payment connector's refusals: the one place that gives each its status and wording.</summary>
internal static class PaymentProblems
{
    public static ProblemHttpResult ToProblem(this PaymentError error, HttpResponse response)
    {
        switch (error)
        {
            case PaymentError.Invalid invalid:
                return GatewayProblems.Validation(error.Code, invalid.Errors);
            case PaymentError.IdempotencyKeyMissing:
                return GatewayProblems.Problem(400, error.Code, "The Idempotency-Key header is required.",
                    "Send a unique Idempotency-Key (e.g. a UUID) with every payment creation, and the same one when you retry it.",
                    [new FieldError("Idempotency-Key", error.Code, "The Idempotency-Key header is required.")]);
            case PaymentError.IdempotencyKeyReused { PastRetention: false }:
                return GatewayProblems.Problem(422, error.Code, "This Idempotency-Key was used with another request.",
                    "An Idempotency-Key names one request: send the same body to retry it, or a new key for a new payment.");
            case PaymentError.IdempotencyKeyReused:
                return GatewayProblems.Problem(422, error.Code, "This Idempotency-Key already made a payment.",
                    "Its stored answer is past the retention period, so it can no longer be replayed: send a new key for a new payment.");
            case PaymentError.IdempotencyKeyInFlight inFlight:
                GatewayProblems.SetRetryAfter(response, inFlight.RetryAfter);
                return GatewayProblems.Problem(409, error.Code, "A request with this Idempotency-Key is still being processed.",
                    "Retry after the time in Retry-After to get its answer.");
            case PaymentError.PaymentNotFound:
                return GatewayProblems.Problem(404, error.Code, "No such payment.", "No payment of this client has this id.");
            case PaymentError.NotVietQr:
                return GatewayProblems.Problem(404, error.Code, "This payment has no QR code.",
                    "Only vietqr payments have a QR code; a vnpay payment has a redirectUrl.");
            case PaymentError.ReturnNotSigned:
                return GatewayProblems.Problem(400, error.Code, "The return parameters are not signed by VNPAY.",
                    "vnp_SecureHash does not verify: do not show this payment as paid.");
            case PaymentError.NoticeNotSigned:
                return GatewayProblems.Problem(401, error.Code, "The notice is not signed with the shared secret.",
                    "X-Signature must be the hex HMAC-SHA256 of X-Timestamp + \".\" + the raw body.");
            case PaymentError.NoticeTimestampStale stale:
                return GatewayProblems.Problem(401, error.Code, "The notice's timestamp is too far from now.",
                    $"X-Timestamp must be within {stale.Tolerance.TotalMinutes:0} minutes of the gateway's clock.");
            default:
                throw new UnreachableException($"No problem answer for {error.GetType().Name}.");
        }
    }
}
