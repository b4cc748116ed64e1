using Integration.Connectors.NationalPortal;
using Integration.Core.Problems;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/portal</c>: dossier status sync (queued, sent in the background), procedure catalogue, account statistics.</summary>
internal static class PortalEndpoints
{
    public static IEndpointRouteBuilder MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        var portal = app.MapApiGroup("/api/v1/portal", "Portal", Scopes.Portal);
        portal.MapPut("/dossiers/{dossierCode}/status", SubmitStatusAsync)
            .WithSummary("Queues a dossier's status change for the national portal; answered once it is stored, sent in the background.")
            .ProducesBodyProblems()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesStoreProblem();
        portal.MapGet("/dossiers/{dossierCode}/sync", GetSyncAsync)
            .WithSummary("Where a dossier's status changes are on their way to the national portal.")
            .ProducesValidationProblems()
            .ProducesNotFound();
        portal.MapGet("/procedures", SearchProceduresAsync)
            .WithSummary("Searches the national procedure catalogue kept by the gateway (code or words of the name).")
            .ProducesValidationProblems();
        portal.MapGet("/account-stats", GetAccountStatsAsync)
            .WithSummary("The latest account statistics pulled from the national portal, per locality.")
            .ProducesValidationProblems()
            .ProducesNotFound();

        var outbox = app.MapApiGroup("/api/v1/portal/outbox", "Portal", Scopes.Ops);
        outbox.MapGet("/", ListOutboxAsync)
            .WithSummary("Status changes waiting for or refused by the national portal.")
            .ProducesValidationProblems();
        outbox.MapPost("/{syncId}/requeue", RequeueAsync)
            .WithSummary("Sends a refused or given-up status change again.")
            .ProducesNotFound()
            .ProducesProblem(StatusCodes.Status409Conflict);
        outbox.MapPost("/{syncId}/skip", SkipAsync)
            .WithSummary("Gives up a status change an officer has handled by hand.")
            .ProducesNotFound()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Accepted<DossierSyncAccepted>, ProblemHttpResult>> SubmitStatusAsync(string dossierCode, DossierStatusRequest request, INationalPortal national, CancellationToken ct)
    {
        var accepted = await national.SubmitStatusAsync(dossierCode, request, ct);
        return accepted.Succeeded
            ? TypedResults.Accepted($"/api/v1/portal/dossiers/{Uri.EscapeDataString(dossierCode)}/sync", accepted.Value)
            : accepted.Error.ToProblem();
    }

    private static async Task<Results<Ok<DossierSyncView>, ProblemHttpResult>> GetSyncAsync(string dossierCode, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.GetSyncAsync(dossierCode, ct));

    private static async Task<Results<Ok<ProcedureSearchResult>, ProblemHttpResult>> SearchProceduresAsync([FromQuery] string? query, [FromQuery] int? limit, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.SearchProceduresAsync(query, limit, ct));

    private static async Task<Results<Ok<AccountStatsResult>, ProblemHttpResult>> GetAccountStatsAsync([FromQuery] string? locality, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.GetAccountStatsAsync(locality, ct));

    private static async Task<Results<Ok<PortalOutboxView>, ProblemHttpResult>> ListOutboxAsync([FromQuery] string? state, [FromQuery] int? limit, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.ListOutboxAsync(state, limit, ct));

    private static async Task<Results<Ok<DossierSyncItem>, ProblemHttpResult>> RequeueAsync(string syncId, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.RequeueAsync(syncId, ct));

    private static async Task<Results<Ok<DossierSyncItem>, ProblemHttpResult>> SkipAsync(string syncId, INationalPortal national, CancellationToken ct) =>
        OkOrProblem(await national.SkipAsync(syncId, ct));

    private static Results<Ok<T>, ProblemHttpResult> OkOrProblem<T>(Result<T, PortalError> result)
        where T : notnull =>
        result.Succeeded ? TypedResults.Ok(result.Value) : result.Error.ToProblem();
}
