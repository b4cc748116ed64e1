namespace Integration.Core.Problems;

/// <summary>One field-level error in a problem-details answer.</summary>
/// <param name="Field">The field as named in the request (camelCase JSON name, or a header name).</param>
/// <param name="Code">A stable code, e.g. <c>invalid_id_number</c>.</param>
/// <param name="Message">A human-readable explanation, free of personal data.</param>
public sealed record FieldError(string Field, string Code, string Message);

/// <summary>
/// An error the gateway answers with a problem-details document (RFC 9457) carrying a stable
/// <see cref="Code"/>. The host turns these into answers in one place; no stack trace leaves.
/// </summary>
public class GatewayProblemException : Exception
{
    public GatewayProblemException(int status, string code, string title, string? detail = null, Exception? inner = null)
        : base(detail ?? title, inner)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
    }

    public int Status { get; }

    public string Code { get; }

    public string Title { get; }

    public string? Detail { get; }

    /// <summary>Vietnamese guidance for the desk officer or citizen, when the problem is theirs to fix.</summary>
    public string? Remediation { get; init; }

    /// <summary>Sent as <c>Retry-After</c> when set.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public IReadOnlyList<FieldError>? Errors { get; init; }

    /// <summary>A 400 for one or more invalid fields; the first error's code becomes the problem's code.</summary>
    public static GatewayProblemException Validation(IReadOnlyList<FieldError> errors) =>
        new(400, ProblemCodes.ForFieldErrors(errors), "The request is not valid.",
            string.Join(" ", errors.Select(e => e.Message)))
        {
            Errors = errors,
        };

    public static GatewayProblemException Validation(string field, string code, string message) =>
        Validation([new FieldError(field, code, message)]);
}

/// <summary>Base of the failures that come from an upstream rather than from the caller.</summary>
public abstract class UpstreamException(int status, string code, string title, string upstream, string? detail, Exception? inner)
    : GatewayProblemException(status, code, title, detail, inner)
{
    /// <summary>The upstream name (e.g. <c>c06</c>, <c>viettel</c>).</summary>
    public string Upstream { get; } = upstream;

    /// <summary>True when trying again later may succeed; stale-if-error serves cached values only for these.</summary>
    public virtual bool Transient => true;
}

/// <summary>504: the upstream did not answer within the pipeline's time budget.</summary>
public sealed class UpstreamTimeoutException(string upstream, Exception? inner = null)
    : UpstreamException(504, ProblemCodes.UpstreamTimeout, "The upstream service did not answer in time.", upstream,
        $"{upstream} did not answer within the time budget.", inner);

/// <summary>503: the upstream is down, refused the connection, or its circuit is open or isolated.</summary>
public sealed class UpstreamUnavailableException(string upstream, string? detail = null, Exception? inner = null)
    : UpstreamException(503, ProblemCodes.UpstreamUnavailable, "The upstream service is unavailable.", upstream,
        detail ?? $"{upstream} is unavailable.", inner);

/// <summary>502: the upstream answered with something that cannot be understood or is an error.</summary>
public sealed class UpstreamErrorException(string upstream, string detail, bool transient = false, Exception? inner = null)
    : UpstreamException(502, ProblemCodes.UpstreamError, "The upstream service answered with an error.", upstream, detail, inner)
{
    public override bool Transient => transient;
}

/// <summary>
/// 503: the gateway's own store cannot record what the answer requires (an audit row of a personal-data
/// lookup), so the answer is withheld; the caller retries after <c>Retry-After</c>.
/// </summary>
public sealed class StoreUnavailableException : GatewayProblemException
{
    public StoreUnavailableException()
        : base(503, ProblemCodes.StoreUnavailable, "The gateway's store is not reachable.",
            "The lookup could not be recorded in the audit log, so its answer is withheld; retry after the time in Retry-After.")
    {
        RetryAfter = TimeSpan.FromSeconds(2);
    }
}
