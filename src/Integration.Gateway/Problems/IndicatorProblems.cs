using System.Diagnostics;
using Integration.Indicators;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the indicator queries' refusals: the one place that gives each its status and wording.</summary>
internal static class IndicatorProblems
{
    public static ProblemHttpResult ToProblem(this IndicatorError error) => error switch
    {
        IndicatorError.Invalid invalid => GatewayProblems.Validation(error.Code, invalid.Errors),
        _ => throw new UnreachableException($"No problem answer for {error.GetType().Name}."),
    };
}
