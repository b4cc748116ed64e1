using Integration.Connectors.Telco;
using Integration.Core.Validation;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/telco</c>.</summary>
internal static class TelcoEndpoints
{
    public static IEndpointRouteBuilder MapTelcoEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/telco")
            .WithTags("Telco")
            .RequireAuthorization(Scopes.Telco)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);

        group.MapPost("/subscriber-checks", CheckSubscriberAsync)
            .WithName("CheckSubscriber")
            .WithSummary("Is this phone number registered in this citizen's name?")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return app;
    }

    private static async Task<Ok<SubscriberCheckResult>> CheckSubscriberAsync(
        SubscriberCheckRequest? body,
        [FromHeader(Name = LookupPurpose.Header)] string? purposeHeader,
        ISubscriberOwnershipChecker checker,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await checker.CheckAsync(body ?? new SubscriberCheckRequest(null, null), purposeHeader, cancellationToken));
}
