using Integration.Core.Validation;
using Microsoft.Extensions.Logging;

namespace Integration.Connectors.Telco;

/// <summary>The Telco connector's log messages. Phone numbers appear masked only; never an ID number, token or key.</summary>
internal static partial class Log
{
    [LoggerMessage(2101, LogLevel.Warning, "Portability lookup failed ({Code}); asking {Carrier}, the carrier of the prefix of {Phone}")]
    public static partial void RoutedByPrefix(ILogger logger, string code, Carrier carrier, string phone);

    [LoggerMessage(2104, LogLevel.Warning, "{Upstream} could not answer the ownership check of {Phone} ({Code})")]
    public static partial void CarrierFailed(ILogger logger, string upstream, string phone, string code);
}
