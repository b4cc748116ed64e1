using System.Diagnostics;
using Integration.Connectors.Telco;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the Telco connector's refusals: the one place that gives each its status and wording.</summary>
internal static class TelcoProblems
{
    public static ProblemHttpResult ToProblem(this TelcoError error) => error switch
    {
        TelcoError.Invalid invalid => GatewayProblems.Validation(error.Code, invalid.Errors),
        _ => throw new UnreachableException($"No problem answer for {error.GetType().Name}."),
    };
}
