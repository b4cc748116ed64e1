namespace Integration.Gateway;

/// <summary>The host's log messages; structured, and never with an ID number, phone number or key in clear.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Error, "Unhandled exception in {Method} {Endpoint}")]
    public static partial void UnhandledException(ILogger logger, string method, string endpoint, Exception exception);
}
