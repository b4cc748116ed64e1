using System.Security.Claims;
using System.Text.Json.Nodes;
using Integration.Connectors.Linked;
using Integration.Core.Problems;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// <c>/api/v1/linked</c>: linked procedures (scope linked): a birth or death dossier taken once and carried
/// through the national systems in the background; operators (scope ops) list the processes needing attention.
/// </summary>
internal static class LinkedEndpoints
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapLinkedEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapApiGroup("/api/v1/linked/attention", "Linked procedures", Scopes.Ops);
        ops.MapGet("/", ListNeedingAttentionAsync)
            .WithSummary("Linked processes an officer must look at (a step refused or given up), oldest first.")
            .ProducesValidationProblems();

        var group = app.MapApiGroup("/api/v1/linked", "Linked procedures", Scopes.Linked);
        group.MapPost("/births", CreateBirthAsync)
            .WithSummary("Takes a birth dossier once (Idempotency-Key) and carries it through civil registry, residence and social insurance in the background.")
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesStoreProblem();
        group.MapPost("/deaths", CreateDeathAsync)
            .WithSummary("Takes a death dossier once (Idempotency-Key) and carries it through the national systems in the background.")
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesStoreProblem();
        group.MapGet("/{linkedId}", GetAsync)
            .WithSummary("A linked process and each of its steps.")
            .ProducesNotFound();
        group.MapPost("/{linkedId}/steps/{step}/retry", RetryStepAsync)
            .WithSummary("Runs a refused step again, with corrections to its input when given.")
            .ProducesBodyProblems()
            .ProducesNotFound()
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{linkedId}/cancel", CancelAsync)
            .WithSummary("Stops a process that has not finished; steps already done stay done.")
            .ProducesNotFound()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<LinkedProcessView>>, ProblemHttpResult>> ListNeedingAttentionAsync(
        [FromQuery] int? limit, ILinkedProcedures linked, CancellationToken ct) =>
        OkOrProblem(await linked.ListAsync("needs_attention", limit, ct));

    private static async Task<Results<Accepted<LinkedProcessView>, ProblemHttpResult>> CreateBirthAsync(
        HttpContext http, [FromHeader(Name = IdempotencyKeyHeader)] string? key, [FromBody] LinkedBirthRequest? request, ILinkedProcedures linked, CancellationToken ct) =>
        AcceptedOrProblem(http, await linked.CreateBirthAsync(Client(http.User), key, request, ct));

    private static async Task<Results<Accepted<LinkedProcessView>, ProblemHttpResult>> CreateDeathAsync(
        HttpContext http, [FromHeader(Name = IdempotencyKeyHeader)] string? key, [FromBody] LinkedDeathRequest? request, ILinkedProcedures linked, CancellationToken ct) =>
        AcceptedOrProblem(http, await linked.CreateDeathAsync(Client(http.User), key, request, ct));

    private static async Task<Results<Ok<LinkedProcessView>, ProblemHttpResult>> GetAsync(string linkedId, ILinkedProcedures linked, CancellationToken ct) =>
        OkOrProblem(await linked.GetAsync(linkedId, ct));

    private static async Task<Results<Ok<LinkedProcessView>, ProblemHttpResult>> RetryStepAsync(
        string linkedId, string step, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] JsonObject? corrections, ILinkedProcedures linked, CancellationToken ct) =>
        OkOrProblem(await linked.RetryStepAsync(linkedId, step, corrections, ct));

    private static async Task<Results<Ok<LinkedProcessView>, ProblemHttpResult>> CancelAsync(string linkedId, ILinkedProcedures linked, CancellationToken ct) =>
        OkOrProblem(await linked.CancelAsync(linkedId, ct));

    private static Results<Accepted<LinkedProcessView>, ProblemHttpResult> AcceptedOrProblem(HttpContext http, Result<LinkedCreated, LinkedError> created)
    {
        if (!created.Succeeded)
        {
            return created.Error.ToProblem();
        }

        if (created.Value.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted("/api/v1/linked/" + created.Value.Process.LinkedId, created.Value.Process);
    }

    private static Results<Ok<T>, ProblemHttpResult> OkOrProblem<T>(Result<T, LinkedError> result)
        where T : notnull =>
        result.Succeeded ? TypedResults.Ok(result.Value) : result.Error.ToProblem();

    private static string Client(ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
