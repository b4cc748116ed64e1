using Integration.Core.Problems;

namespace Integration.Connectors.Linked;

/// <summary>The stable codes of the Linked connector's own refusals (the shared ones are in <see cref="ProblemCodes"/>).</summary>
public static class LinkedProblemCodes
{
    public const string ProcessExists = "linked_process_exists";
    public const string StepNotRetryable = "step_not_retryable";
    public const string ProcessCompleted = "process_completed";
}

/// <summary>
/// Why a linked-procedure operation refused a request: a closed set (each case is nested here), each with its
/// stable <see cref="Code"/>. The connector says what went wrong; the host decides the HTTP status and wording.
/// What the national systems answer is not here: the steps run in the background and record it on the step.
/// </summary>
public abstract record LinkedError
{
    private LinkedError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer (<see cref="ProblemCodes"/>, <see cref="LinkedProblemCodes"/>).</summary>
    public abstract string Code { get; }

    /// <summary>
    /// One or more fields are missing or invalid (the body, a correction, the <c>Idempotency-Key</c>, a query
    /// parameter); checked before anything is stored or sent.
    /// </summary>
    /// <param name="Errors">Every bad field, with its own code.</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : LinkedError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }

    /// <summary>A creation without an <c>Idempotency-Key</c> header.</summary>
    public sealed record IdempotencyKeyMissing : LinkedError
    {
        public override string Code => ProblemCodes.IdempotencyKeyMissing;
    }

    /// <summary>The key already created a process from another body (or of the other kind).</summary>
    public sealed record IdempotencyKeyReused : LinkedError
    {
        public override string Code => ProblemCodes.IdempotencyKeyReused;
    }

    /// <summary>The dossier already has a linked process, created with another key.</summary>
    /// <param name="DossierCode">The dossier.</param>
    /// <param name="LinkedId">Its process.</param>
    public sealed record ProcessExists(string DossierCode, string LinkedId) : LinkedError
    {
        public override string Code => LinkedProblemCodes.ProcessExists;
    }

    /// <summary>No linked process has this id (or it is not an id).</summary>
    public sealed record ProcessNotFound : LinkedError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>The process has no step of this name.</summary>
    /// <param name="Kind"><c>birth</c> or <c>death</c>.</param>
    /// <param name="Steps">The steps a process of this kind has, in order.</param>
    public sealed record StepNotFound(string Kind, IReadOnlyList<string> Steps) : LinkedError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>The step is done, waiting, in progress or cancelled, or its process is cancelled.</summary>
    public sealed record StepNotRetryable : LinkedError
    {
        public override string Code => LinkedProblemCodes.StepNotRetryable;
    }

    /// <summary>A cancellation of a process already completed.</summary>
    public sealed record ProcessCompleted : LinkedError
    {
        public override string Code => LinkedProblemCodes.ProcessCompleted;
    }
}
