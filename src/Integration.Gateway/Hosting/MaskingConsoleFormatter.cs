using Integration.Core.Privacy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Integration.Gateway.Hosting;

/// <summary>
/// The console log format: one line per entry, with every run of 9-12 digits masked, as a safety net
/// behind the masked fields the code logs (an exception message may quote an upstream URL that
/// carries a phone or ID number).
/// </summary>
internal sealed class MaskingConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "masked";

    public override void Write<TState>(in LogEntry<TState> logEntry, Microsoft.Extensions.Logging.IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(LevelName(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.WriteLine(PersonalDataMask.Text(message));
        if (logEntry.Exception is not null)
        {
            textWriter.WriteLine(PersonalDataMask.Text(logEntry.Exception.ToString()));
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
