using System.Diagnostics;
using Integration.Connectors.Linked;
using Integration.Core.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Problems;

/// <summary>The problem answers of the Linked connector's refusals: the one place that gives each its status and wording.</summary>
internal static class LinkedProblems
{
    public static ProblemHttpResult ToProblem(this LinkedError error) => error switch
    {
        LinkedError.Invalid invalid => GatewayProblems.Validation(error.Code, invalid.Errors),
        LinkedError.IdempotencyKeyMissing => GatewayProblems.Validation(error.Code,
            [new FieldError("Idempotency-Key", error.Code, "An Idempotency-Key header is required: a linked dossier is accepted once per key.")]),
        LinkedError.IdempotencyKeyReused => GatewayProblems.Problem(422, error.Code, "This Idempotency-Key was used with another request.",
            "Send a new Idempotency-Key for a new dossier; repeat a request only with exactly the same body."),
        LinkedError.ProcessExists exists => GatewayProblems.Problem(409, error.Code, "This dossier already has a linked process.",
            $"Dossier {exists.DossierCode} is process {exists.LinkedId}; read it with GET /api/v1/linked/{exists.LinkedId}."),
        LinkedError.ProcessNotFound => GatewayProblems.Problem(404, error.Code, "No linked process has this id.", null),
        LinkedError.StepNotFound step => GatewayProblems.Problem(404, error.Code, "No such step.",
            $"A {step.Kind} process has the steps {string.Join(", ", step.Steps)}."),
        LinkedError.StepNotRetryable => GatewayProblems.Problem(409, error.Code, "This step cannot be retried now.",
            "Only a failed step (or one waiting for its next attempt) of a process that is not cancelled can be retried."),
        LinkedError.ProcessCompleted => GatewayProblems.Problem(409, error.Code, "A completed process cannot be cancelled.", null),
        _ => throw new UnreachableException($"No problem answer for {error.GetType().Name}."),
    };
}
