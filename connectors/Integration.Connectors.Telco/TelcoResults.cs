using Integration.Core.Problems;

namespace Integration.Connectors.Telco;

/// <summary>
/// Why a subscriber check refused a request: a closed set (each case is nested here), each with its stable
/// <see cref="Code"/>. The connector says what went wrong; the host decides the HTTP status and wording. A carrier
/// without an ownership service is not a refusal but an answer (<see cref="UnknownOwnershipReason.NoOwnershipService"/>),
/// and a carrier that fails stays an <see cref="UpstreamException"/>.
/// </summary>
public abstract record TelcoError
{
    private TelcoError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer.</summary>
    public abstract string Code { get; }

    /// <summary>One or more fields of the request are missing or invalid; checked before any upstream call.</summary>
    /// <param name="Errors">Every bad field, with its own code.</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : TelcoError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }
}
