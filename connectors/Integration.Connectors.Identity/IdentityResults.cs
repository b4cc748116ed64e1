using Integration.Connectors.Identity.VneId;
using Integration.Core.Problems;

namespace Integration.Connectors.Identity;

/// <summary>
/// Why an identity operation refused a request: a closed set (each case is nested here), each with its stable
/// <see cref="Code"/>. The connector says what went wrong; the host decides the HTTP status and wording. An
/// upstream that fails is not a refusal: it stays an <see cref="UpstreamException"/>.
/// </summary>
public abstract record IdentityError
{
    private IdentityError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer.</summary>
    public abstract string Code { get; }

    /// <summary>One or more fields of the request are missing or invalid; checked before any upstream call.</summary>
    /// <param name="Errors">Every bad field, with its own code.</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : IdentityError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }

    /// <summary>A sign-in's <c>returnUrl</c> is a well-formed URL, but not under any of <c>VneId:AllowedReturnUrls</c>.</summary>
    public sealed record ReturnUrlNotAllowed : IdentityError
    {
        public override string Code => ReturnUrlPolicy.NotAllowedCode;
    }

    /// <summary>
    /// A callback whose state is unknown, already completed, expired or not bound to this browser: without it there
    /// is no trusted return URL to send the browser back to.
    /// </summary>
    public sealed record SignInStateInvalid : IdentityError
    {
        public override string Code => VneIdBroker.StateInvalidCode;
    }

    /// <summary>The ticket is unknown, already redeemed, expired, or bound to another client.</summary>
    public sealed record TicketNotFound : IdentityError
    {
        public override string Code => ProblemCodes.NotFound;
    }
}

/// <summary>A ticket redemption as the caller sent it.</summary>
/// <param name="Ticket">The one-time ticket the sign-in added to the return URL.</param>
/// <param name="Purpose">Why the profile is read (the procedure), required and audited, unless the <c>X-Purpose</c> header gives it.</param>
public sealed record TicketRedemptionRequest(string? Ticket, string? Purpose = null);
