using System.Security.Claims;
using Integration.Connectors.Payment;
using Integration.Core.Problems;
using Integration.Gateway.Problems;
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

    private static async Task<Results<Created<PaymentCreated>, ProblemHttpResult>> CreateAsync(
        HttpContext http,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        [FromBody] CreatePaymentRequest? request,
        IPaymentService payments,
        CancellationToken cancellationToken)
    {
        var result = await payments.CreateAsync(Client(http.User), idempotencyKey, request, cancellationToken);
        if (!result.Succeeded)
        {
            return result.Error.ToProblem(http.Response);
        }

        if (result.Value.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Created("/api/v1/payments/" + result.Value.Payment.PaymentId, result.Value.Payment);
    }

    private static async Task<Results<Ok<PaymentView>, ProblemHttpResult>> GetAsync(string id, HttpContext http, IPaymentService payments, CancellationToken cancellationToken) =>
        OkOrProblem(await payments.GetAsync(Client(http.User), id, cancellationToken), http.Response);

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetQrAsync(string id, HttpContext http, IPaymentService payments, CancellationToken cancellationToken)
    {
        var png = await payments.GetQrPngAsync(Client(http.User), id, cancellationToken);
        return png.Succeeded ? TypedResults.File(png.Value, "image/png") : png.Error.ToProblem(http.Response);
    }

    private static async Task<Results<Ok<VnpayReturnView>, ProblemHttpResult>> VerifyReturnAsync(HttpContext http, IVnpayCallbacks vnpay, CancellationToken cancellationToken) =>
        OkOrProblem(await vnpay.VerifyReturnAsync(Client(http.User), Query(http.Request), cancellationToken), http.Response);

    /// <summary>VNPAY expects <c>{"RspCode", "Message"}</c> with 200 whatever happened, so the IPN never answers a problem.</summary>
    private static async Task<Ok<VnpayIpnAnswer>> VnpayIpnAsync(HttpRequest request, IVnpayCallbacks vnpay, CancellationToken cancellationToken) =>
        TypedResults.Ok(await vnpay.HandleIpnAsync(Query(request), cancellationToken));

    /// <summary>The signature covers the body's exact bytes, so it is read raw, never bound to a DTO first.</summary>
    private static async Task<Results<Ok<BankNoticeReceipt>, ProblemHttpResult>> BankTransferAsync(HttpRequest request, IBankNoticeService notices, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var receipt = await notices.HandleAsync(
            request.Headers["X-Timestamp"].ToString(), request.Headers["X-Signature"].ToString(), body.ToArray(), cancellationToken);
        return OkOrProblem(receipt, request.HttpContext.Response);
    }

    private static async Task<Results<Ok<IReadOnlyList<BankNoticeView>>, ProblemHttpResult>> FlaggedNoticesAsync(
        IBankNoticeService notices, HttpResponse response, CancellationToken cancellationToken, int? limit = null) =>
        OkOrProblem(await notices.ListFlaggedAsync(limit, cancellationToken), response);

    private static Dictionary<string, string?> Query(HttpRequest request) =>
        request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString(), StringComparer.Ordinal);

    private static string Client(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "anonymous";

    private static Results<Ok<T>, ProblemHttpResult> OkOrProblem<T>(Result<T, PaymentError> result, HttpResponse response)
        where T : notnull =>
        result.Succeeded ? TypedResults.Ok(result.Value) : result.Error.ToProblem(response);
}
