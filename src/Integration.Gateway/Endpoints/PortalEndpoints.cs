using Integration.Connectors.NationalPortal;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/portal</c>: dossier status sync (queued, sent in the background), procedure catalogue, account statistics.</summary>
internal static class PortalEndpoints
{
    public static IEndpointRouteBuilder MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        var portal = app.MapGroup("/api/v1/portal")
            .WithTags("Portal")
            .RequireAuthorization(Scopes.Portal)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);

        portal.MapPut("/dossiers/{dossierCode}/status", async (string dossierCode, DossierStatusRequest request, INationalPortal national, CancellationToken ct) =>
        {
            var accepted = await national.SubmitStatusAsync(dossierCode, request, ct);
            return TypedResults.Accepted($"/api/v1/portal/dossiers/{Uri.EscapeDataString(dossierCode)}/sync", accepted);
        }).ProducesProblem(StatusCodes.Status409Conflict);

        portal.MapGet("/dossiers/{dossierCode}/sync", async (string dossierCode, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.GetSyncAsync(dossierCode, ct)));

        portal.MapGet("/procedures", async ([FromQuery] string? query, [FromQuery] int? limit, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.SearchProceduresAsync(query, limit, ct)));

        portal.MapGet("/account-stats", async ([FromQuery] string? locality, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.GetAccountStatsAsync(locality, ct)));

        var outbox = app.MapGroup("/api/v1/portal/outbox")
            .WithTags("Portal")
            .RequireAuthorization(Scopes.Ops)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);

        outbox.MapGet("/", async ([FromQuery] string? state, [FromQuery] int? limit, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.ListOutboxAsync(state, limit, ct)));

        outbox.MapPost("/{syncId}/requeue", async (string syncId, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.RequeueAsync(syncId, ct)));

        outbox.MapPost("/{syncId}/skip", async (string syncId, INationalPortal national, CancellationToken ct) =>
            TypedResults.Ok(await national.SkipAsync(syncId, ct)));

        return app;
    }
}
