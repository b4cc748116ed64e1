using System.Diagnostics;
using Integration.Connectors.NationalPortal;
using Integration.Core.Outbox;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the NationalPortal connector's refusals: the one place that gives each its status and wording.</summary>
internal static class PortalProblems
{
    public static ProblemHttpResult ToProblem(this PortalError error)
    {
        switch (error)
        {
            case PortalError.Invalid invalid:
                return GatewayProblems.Validation(error.Code, invalid.Errors);
            case PortalError.VersionConflict conflict:
                return GatewayProblems.Problem(409, error.Code, "This version of the dossier was already received with other content.",
                    $"Version {conflict.Version} of {conflict.DossierCode} is stored (sync {conflict.SyncId}, {OutboxStore.StateText(conflict.State)}) with other fields: send the correction as a higher version.");
            case PortalError.DossierNotFound:
                return GatewayProblems.Problem(404, error.Code, "No status change of this dossier has been received.", null);
            case PortalError.StatisticsNotPulled:
                return GatewayProblems.Problem(404, error.Code, "No account statistics of this locality have been pulled.",
                    "Statistics are pulled for the codes in Connectors:NationalPortal:Localities.");
            case PortalError.SyncItemNotFound:
                return GatewayProblems.Problem(404, error.Code, "No portal sync item has this id.", null);
            case PortalError.NotDead notDead:
                return GatewayProblems.Problem(409, error.Code,
                    $"Only a dead item can be {(notDead.Action == PortalOperatorAction.Skip ? "skipped" : "requeued")}.",
                    $"The item is {OutboxStore.StateText(notDead.State)}.");
            default:
                throw new UnreachableException($"No problem answer for {error.GetType().Name}.");
        }
    }
}
