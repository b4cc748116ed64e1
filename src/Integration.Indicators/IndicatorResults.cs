using Integration.Core.Problems;

namespace Integration.Indicators;

/// <summary>
/// Why an indicator query refused its arguments: a closed set (each case is nested here), each with its stable
/// <see cref="Code"/>. The module says what went wrong; the host decides the HTTP status and wording.
/// </summary>
public abstract record IndicatorError
{
    private IndicatorError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer (<see cref="ProblemCodes"/>, <see cref="IndicatorProblemCodes"/>).</summary>
    public abstract string Code { get; }

    /// <summary>
    /// A query parameter is missing or invalid; checked before the store is read. The parameters are checked in
    /// order (period, then grouping, agency, limit or locality) and the first bad one is reported.
    /// </summary>
    /// <param name="Errors">The bad parameter, with its code (<c>invalid_period</c>, <c>invalid_group_by</c>, <c>invalid_field</c>).</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : IndicatorError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }
}

/// <summary>Stable <c>code</c> values of the indicator queries' problem answers (besides the shared <c>Integration.Core.Problems.ProblemCodes</c>).</summary>
public static class IndicatorProblemCodes
{
    /// <summary><c>from</c> or <c>to</c> missing, not <c>yyyy-MM-dd</c>, outside 2000-2100, <c>to</c> not after <c>from</c>, or a period too long.</summary>
    public const string InvalidPeriod = "invalid_period";

    /// <summary><c>groupBy</c> other than <c>agency</c>, <c>level</c>, <c>locality</c>.</summary>
    public const string InvalidGroupBy = "invalid_group_by";
}
