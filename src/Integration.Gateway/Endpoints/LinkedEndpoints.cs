using System.Security.Claims;
using System.Text.Json.Nodes;
using Integration.Connectors.Linked;
using Integration.Core.Problems;
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
        var ops = app.MapGroup("/api/v1/linked/attention")
            .WithTags("Linked procedures")
            .RequireAuthorization(Scopes.Ops)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);
        ops.MapGet("/", async ([FromQuery] int? limit, ILinkedProcedures linked, CancellationToken ct) =>
            TypedResults.Ok(await linked.ListAsync("needs_attention", limit, ct)));

        var group = app.MapGroup("/api/v1/linked")
            .WithTags("Linked procedures")
            .RequireAuthorization(Scopes.Linked)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);
        group.MapPost("/births", async (HttpContext http, [FromHeader(Name = IdempotencyKeyHeader)] string? key, [FromBody] LinkedBirthRequest? request, ILinkedProcedures linked, CancellationToken ct) =>
                Accepted(http, await linked.CreateBirthAsync(Client(http.User), key, request, ct)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/deaths", async (HttpContext http, [FromHeader(Name = IdempotencyKeyHeader)] string? key, [FromBody] LinkedDeathRequest? request, ILinkedProcedures linked, CancellationToken ct) =>
                Accepted(http, await linked.CreateDeathAsync(Client(http.User), key, request, ct)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/{linkedId}", async (string linkedId, ILinkedProcedures linked, CancellationToken ct) =>
                TypedResults.Ok(await linked.GetAsync(linkedId, ct) ?? throw new GatewayProblemException(404, ProblemCodes.NotFound, "No linked process has this id.")))
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{linkedId}/steps/{step}/retry", async (string linkedId, string step, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] JsonObject? corrections, ILinkedProcedures linked, CancellationToken ct) =>
                TypedResults.Ok(await linked.RetryStepAsync(linkedId, step, corrections, ct)))
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{linkedId}/cancel", async (string linkedId, ILinkedProcedures linked, CancellationToken ct) =>
                TypedResults.Ok(await linked.CancelAsync(linkedId, ct)))
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static Accepted<LinkedProcessView> Accepted(HttpContext http, LinkedCreated created)
    {
        if (created.Replayed)
        {
            http.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return TypedResults.Accepted("/api/v1/linked/" + created.Process.LinkedId, created.Process);
    }

    private static string Client(ClaimsPrincipal user) => user.Identity?.Name ?? "anonymous";
}
