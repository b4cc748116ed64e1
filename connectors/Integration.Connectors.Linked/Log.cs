using Microsoft.Extensions.Logging;

namespace Integration.Connectors.Linked;

/// <summary>The connector's log messages: process ids, dossier codes and step names only, never an ID number, a name or an account.</summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information, "Linked {Kind} process {LinkedId} accepted for dossier {DossierCode}")]
    public static partial void ProcessCreated(ILogger logger, string kind, string linkedId, string dossierCode);

    [LoggerMessage(6002, LogLevel.Information, "Linked process {LinkedId}: step {Step} done after {Attempts} attempt(s){Repeat}")]
    public static partial void StepDone(ILogger logger, string linkedId, string step, long attempts, string repeat);

    [LoggerMessage(6003, LogLevel.Warning, "Linked process {LinkedId}: step {Step} attempt {Attempts} failed transiently, next at {NextAttemptAt}: {Error}")]
    public static partial void StepRetrying(ILogger logger, string linkedId, string step, long attempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(6004, LogLevel.Warning, "Linked process {LinkedId}: step {Step} needs attention: {Error}")]
    public static partial void StepNeedsAttention(ILogger logger, string linkedId, string step, string error);

    [LoggerMessage(6005, LogLevel.Warning, "Linked process {LinkedId}: step {Step} was no longer held by this instance (lease taken over or process cancelled); its outcome was not recorded")]
    public static partial void StepLeaseLost(ILogger logger, string linkedId, string step);

    [LoggerMessage(6006, LogLevel.Error, "Linked steps could not be claimed; trying again at the next poll")]
    public static partial void ClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(6007, LogLevel.Error, "Linked process {LinkedId}: the outcome of step {Step} could not be stored; the step runs again when its lease expires")]
    public static partial void StepUpdateFailed(ILogger logger, string linkedId, string step, Exception exception);

    [LoggerMessage(6008, LogLevel.Information, "Linked process {LinkedId}: step {Step} queued again by an officer{Corrected}")]
    public static partial void StepRetried(ILogger logger, string linkedId, string step, string corrected);

    [LoggerMessage(6009, LogLevel.Information, "Linked process {LinkedId} cancelled")]
    public static partial void ProcessCancelled(ILogger logger, string linkedId);
}
