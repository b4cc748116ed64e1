using Microsoft.Extensions.Logging;

namespace Integration.Connectors.Identity;

/// <summary>
/// The Identity connector's log messages. ID numbers appear only masked; names, dates of birth, phone
/// numbers, tokens, codes, states, tickets and secrets never.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(11001, LogLevel.Information, "LGSP issued a token valid for {ExpiresIn}; it is replaced after {RefreshAfter}")]
    public static partial void LgspTokenIssued(ILogger logger, TimeSpan expiresIn, TimeSpan refreshAfter);

    [LoggerMessage(11002, LogLevel.Warning, "C06 refused the LGSP token (HTTP 401); fetching a new one and repeating the call once")]
    public static partial void LgspTokenRejected(ILogger logger);

    [LoggerMessage(11101, LogLevel.Information, "C06 answered {ResultCode} for {IdNumberMasked} (request {RequestId})")]
    public static partial void C06Answered(ILogger logger, string resultCode, string idNumberMasked, string requestId);

    [LoggerMessage(11102, LogLevel.Warning, "C06 answered a SOAP fault {FaultCode} for request {RequestId}: {FaultString}")]
    public static partial void C06Fault(ILogger logger, string faultCode, string requestId, string faultString);

    [LoggerMessage(11103, LogLevel.Warning, "C06 answered {ResultCode} (system error) for request {RequestId}")]
    public static partial void C06SystemError(ILogger logger, string resultCode, string requestId);

    [LoggerMessage(11104, LogLevel.Warning, "C06 answered mismatch without a known field name ({Fields}) for request {RequestId}")]
    public static partial void C06UnknownMismatchFields(ILogger logger, string fields, string requestId);

    [LoggerMessage(11201, LogLevel.Information, "VNeID sign-in started towards {ReturnHost}")]
    public static partial void SignInStarted(ILogger logger, string returnHost);

    [LoggerMessage(11202, LogLevel.Information, "VNeID sign-in of {IdNumberMasked} (level {IdentityLevel}) completed; ticket valid for {TicketLifetime}")]
    public static partial void SignInCompleted(ILogger logger, string idNumberMasked, int identityLevel, TimeSpan ticketLifetime);

    [LoggerMessage(11203, LogLevel.Warning, "VNeID sign-in failed with {Error}: {Reason}")]
    public static partial void SignInFailed(ILogger logger, string error, string reason);

    [LoggerMessage(11204, LogLevel.Warning, "VNeID callback refused: the state is unknown, used, expired or from another browser")]
    public static partial void SignInStateRefused(ILogger logger);

    [LoggerMessage(11205, LogLevel.Information, "VNeID ticket of {IdNumberMasked} redeemed")]
    public static partial void TicketRedeemed(ILogger logger, string idNumberMasked);

    [LoggerMessage(11206, LogLevel.Information, "VNeID ticket refused: unknown, used or expired")]
    public static partial void TicketRefused(ILogger logger);

    [LoggerMessage(11301, LogLevel.Warning, "Probe of {Upstream} failed: {Error}")]
    public static partial void ProbeFailed(ILogger logger, string upstream, string error);
}
