using System.Security.Claims;
using System.Text;
using Integration.Connectors.Payment;
using Integration.Core.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// <c>/api/v1/payments</c>: dossier-fee payments (scope payment), the provider callbacks (anonymous: their
/// signature is the authentication) and the operators' list of flagged bank notices (scope ops).
/// </summary>
internal static class PaymentEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapPaymentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/v1/payments", "Payment", Scopes.Payment);
        group.MapPost("/", CreateAsync)
            .WithSummary("Creates a fee payment once per Idempotency-Key: a VNPAY pay URL or a VietQR transfer.")
            .Produces<PaymentCreated>(StatusCodes.Status201Created)
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesStoreProblem();
        group.MapGet("/{id}", GetAsync)
            .WithSummary("A payment and its state.")
            .ProducesNotFound();
        group.MapGet("/{id}/qr.png", GetQrAsync)
            .WithSummary("The VietQR code of a transfer payment, as a PNG image.")
            .ProducesNotFound();
        group.MapGet("/vnpay/return", VerifyReturnAsync)
            .WithSummary("Checks the signature of VNPAY's return to the citizen's browser; the IPN, not this, settles the payment.")
            .ProducesValidationProblems();

        // The banks and VNPAY call these: no API key; the signature is checked instead.
        var callbacks = app.MapGroup("/api/v1/payments/callbacks")
            .WithTags("Payment callbacks")
            .AllowAnonymous()
            .RequireRateLimiting(SecurityServiceCollectionExtensions.CallbackRateLimit)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        callbacks.MapGet("/vnpay", VnpayIpnAsync)
            .WithSummary("VNPAY's IPN: answered with VNPAY's own RspCode JSON, whatever the outcome.");
        callbacks.MapPost("/bank-transfer", BankTransferAsync)
            .WithSummary("A bank's signed credit notice for a VietQR transfer.")
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesStoreProblem();

        var ops = app.MapApiGroup("/api/v1/payments/bank-notices", "Payment", Scopes.Ops);
        ops.MapGet("/flagged", FlaggedNoticesAsync)
            .WithSummary("Bank notices that matched no payment, or matched with the wrong amount or after expiry, for an officer to settle by hand.")
            .ProducesValidationProblems();
        return app;
    }

    private static async Task<ContentHttpResult> CreateAsync(
        HttpContext http,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [FromBody] CreatePaymentRequest? request,
        IPaymentService payments,
        CancellationToken cancellationToken)
    {
        var created = await payments.CreateAsync(Client(http.User), idempotencyKey, request, cancellationToken);
        http.Response.Headers.Location = "/api/v1/payments/" + created.PaymentId;
        if (created.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Content(created.Body, "application/json", Encoding.UTF8, created.StatusCode);
    }

    private static async Task<Ok<PaymentView>> GetAsync(string id, ClaimsPrincipal user, IPaymentService payments, CancellationToken cancellationToken) =>
        TypedResults.Ok(await payments.GetAsync(Client(user), id, cancellationToken) ?? throw PaymentNotFound());

    private static async Task<FileContentHttpResult> GetQrAsync(string id, ClaimsPrincipal user, IPaymentService payments, CancellationToken cancellationToken) =>
        TypedResults.File(await payments.GetQrPngAsync(Client(user), id, cancellationToken) ?? throw PaymentNotFound(), "image/png");

    private static async Task<Ok<VnpayReturnView>> VerifyReturnAsync(HttpRequest request, ClaimsPrincipal user, IPaymentService payments, CancellationToken cancellationToken) =>
        TypedResults.Ok(await payments.VerifyVnpayReturnAsync(Client(user), Query(request), cancellationToken));

    private static async Task<Ok<VnpayIpnAnswer>> VnpayIpnAsync(HttpRequest request, IPaymentService payments, CancellationToken cancellationToken) =>
        TypedResults.Ok(await payments.HandleVnpayIpnAsync(Query(request), cancellationToken));

    /// <summary>The signature covers the body's exact bytes, so it is read raw, never bound to a DTO first.</summary>
    private static async Task<Ok<BankNoticeReceipt>> BankTransferAsync(HttpRequest request, IPaymentService payments, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var receipt = await payments.HandleBankNoticeAsync(
            request.Headers["X-Timestamp"].ToString(), request.Headers["X-Signature"].ToString(), body.ToArray(), cancellationToken);
        return TypedResults.Ok(receipt);
    }

    private static async Task<Ok<IReadOnlyList<BankNoticeView>>> FlaggedNoticesAsync(IPaymentService payments, CancellationToken cancellationToken, int? limit = null)
    {
        if (limit is < 1 or > 1000)
        {
            throw GatewayProblemException.Validation("limit", ProblemCodes.InvalidField, "limit must be between 1 and 1000.");
        }

        return TypedResults.Ok(await payments.ListFlaggedBankNoticesAsync(limit ?? 100, cancellationToken));
    }

    private static Dictionary<string, string?> Query(HttpRequest request) =>
        request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);

    private static string Client(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    private static GatewayProblemException PaymentNotFound() =>
        new(404, ProblemCodes.NotFound, "No such payment.", "No payment of this client has this id.");
}
