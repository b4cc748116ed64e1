using System.Diagnostics;
using Integration.Connectors.Identity;
using Integration.Core.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the Identity connector's refusals: the one place that gives each its status and wording.</summary>
internal static class IdentityProblems
{
    public static ProblemHttpResult ToProblem(this IdentityError error)
    {
        switch (error)
        {
            case IdentityError.Invalid invalid:
                return GatewayProblems.Validation(error.Code, invalid.Errors);
            case IdentityError.ReturnUrlNotAllowed:
                return GatewayProblems.Validation(error.Code,
                    [new FieldError("returnUrl", error.Code, "returnUrl is not under an address this gateway may return to.")]);
            case IdentityError.SignInStateInvalid:
                return GatewayProblems.Problem(400, error.Code, "The sign-in cannot be completed.",
                    "The sign-in is unknown, already completed, expired, or was started in another browser. Start it again.");
            case IdentityError.TicketNotFound:
                return GatewayProblems.Problem(404, error.Code, "No such ticket.", "The ticket is unknown, already redeemed, or expired. Sign in again.");
            default:
                throw new UnreachableException($"No problem answer for {error.GetType().Name}.");
        }
    }
}
