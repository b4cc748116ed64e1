namespace Integration.Gateway;

/// <summary>The host's log messages; structured, and never with an ID number, phone number or key in clear.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Error, "Unhandled exception in {Method} {Endpoint}")]
    public static partial void UnhandledException(ILogger logger, string method, string endpoint, Exception exception);

    [LoggerMessage(2002, LogLevel.Warning, "Store unavailable in {Method} {Endpoint}: {ExceptionType} {Message}")]
    public static partial void StoreUnavailable(ILogger logger, string method, string endpoint, string exceptionType, string message);

    [LoggerMessage(2101, LogLevel.Warning, "Probe of {Connector}/{Upstream} failed: {Error}")]
    public static partial void ProbeFailed(ILogger logger, string connector, string upstream, string error);

    [LoggerMessage(2102, LogLevel.Information, "Exporting traces and metrics over OTLP to {Endpoint} ({Protocol})")]
    public static partial void TelemetryExporting(ILogger logger, string endpoint, string protocol);

    [LoggerMessage(2103, LogLevel.Warning, "Operator {Operator} set connector {Connector} to {Action}")]
    public static partial void OperatorAction(ILogger logger, string @operator, string connector, string action);

    [LoggerMessage(2003, LogLevel.Warning, "Not ready: the store does not answer ({ExceptionType}: {Message})")]
    public static partial void StoreNotReady(ILogger logger, string exceptionType, string message);

    [LoggerMessage(2004, LogLevel.Warning, "Gateway:AllowHttpUpstreams is true: these upstreams are called over plain http, unencrypted: {Keys}")]
    public static partial void HttpUpstreamsAllowed(ILogger logger, string keys);

    [LoggerMessage(2005, LogLevel.Information, "Forwarded headers (X-Forwarded-For, X-Forwarded-Proto) are honoured from {Proxies}")]
    public static partial void ForwardedHeadersFrom(ILogger logger, string proxies);
}
