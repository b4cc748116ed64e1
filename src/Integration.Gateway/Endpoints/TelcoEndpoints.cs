using Integration.Connectors.Telco;
using Integration.Core.Validation;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/telco</c>.</summary>
internal static class TelcoEndpoints
{
    public static IEndpointRouteBuilder MapTelcoEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/v1/telco", "Telco", Scopes.Telco);
        group.MapPost("/subscriber-checks", CheckSubscriberAsync)
            .WithName("CheckSubscriber")
            .WithSummary("Is this phone number registered in this citizen's name?")
            .ProducesBodyProblems()
            .ProducesUpstreamProblems();
        return app;
    }

    private static async Task<Results<Ok<SubscriberCheckResult>, ProblemHttpResult>> CheckSubscriberAsync(
        SubscriberCheckRequest? body,
        [FromHeader(Name = LookupPurpose.Header)] string? purposeHeader,
        ISubscriberOwnershipChecker checker,
        CancellationToken cancellationToken)
    {
        var result = await checker.CheckAsync(body ?? new SubscriberCheckRequest(null, null), purposeHeader, cancellationToken);
        return result.Succeeded ? TypedResults.Ok(result.Value) : result.Error.ToProblem();
    }
}
