using Microsoft.Extensions.Logging;

namespace Integration.Connectors.NationalPortal;

/// <summary>The connector's log messages. Dossier codes and versions only: never a payload, a phone number, a session or a password.</summary>
internal static partial class Log
{
    [LoggerMessage(4001, LogLevel.Information, "Logged in to the national portal")]
    public static partial void LoggedIn(ILogger logger);

    [LoggerMessage(4002, LogLevel.Information, "The national portal session expired (error -1) during {Call}; logging in again once")]
    public static partial void SessionExpired(ILogger logger, string call);

    [LoggerMessage(4003, LogLevel.Information, "Queued status {Status} of dossier {DossierCode} version {Version} for the national portal (sync {SyncId})")]
    public static partial void StatusQueued(ILogger logger, string dossierCode, long version, int status, string syncId);

    [LoggerMessage(4004, LogLevel.Information, "Dossier {DossierCode} version {Version} was already queued (sync {SyncId}, {State}); nothing added")]
    public static partial void StatusDuplicate(ILogger logger, string dossierCode, long version, string syncId, string state);

    [LoggerMessage(4011, LogLevel.Warning, "Dossier {DossierCode} version {Version} was sent again with other content (sync {SyncId}); refused as a version conflict")]
    public static partial void StatusVersionConflict(ILogger logger, string dossierCode, long version, string syncId);

    [LoggerMessage(4005, LogLevel.Information, "The national portal already had {Service} of dossier {DossierCode} version {Version} (97); counted as delivered")]
    public static partial void DuplicateAtPortal(ILogger logger, string service, string dossierCode, long version);

    [LoggerMessage(4006, LogLevel.Information, "Procedure catalogue replaced: {Count} procedures in {Pages} pages")]
    public static partial void CatalogueRefreshed(ILogger logger, int count, int pages);

    [LoggerMessage(4007, LogLevel.Warning, "Procedure catalogue pull failed; the previous copy stays in use: {Error}")]
    public static partial void CatalogueRefreshFailed(ILogger logger, string error);

    [LoggerMessage(4008, LogLevel.Information, "Account statistics of locality {Locality} stored ({Rows} rows)")]
    public static partial void StatsRefreshed(ILogger logger, string locality, int rows);

    [LoggerMessage(4009, LogLevel.Warning, "Account statistics of locality {Locality} could not be pulled; the previous figures stay: {Error}")]
    public static partial void StatsRefreshFailed(ILogger logger, string locality, string error);

    [LoggerMessage(4010, LogLevel.Information, "Operator {Action} of dossier {DossierCode} version {Version} (sync {SyncId}): {Result}")]
    public static partial void OperatorAction(ILogger logger, string action, string dossierCode, long version, string syncId, string result);
}
