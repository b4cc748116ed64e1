using System.Text.Json;
using System.Text.RegularExpressions;
using Integration.Core.Audit;
using Integration.Core.Indicators;
using Integration.Core.Outbox;
using Integration.Core.Problems;
using Integration.Core.Store;
using Microsoft.Extensions.Logging;

namespace Integration.Connectors.NationalPortal;

internal sealed partial class NationalPortalService(
    OutboxStore outbox,
    OutboxSignal outboxSignal,
    GatewayStore store,
    ProcedureCatalogue catalogue,
    AccountStatistics statistics,
    AuditLog audit,
    IIndicatorFeed indicators,
    TimeProvider time,
    ILogger<NationalPortalService> logger)
    : INationalPortal
{
    private const string Topic = PortalSyncHandler.TopicName;

    /// <summary>409: this version of the dossier was already received with other content.</summary>
    public const string VersionConflict = "version_conflict";

    public async Task<DossierSyncAccepted> SubmitStatusAsync(string dossierCode, DossierStatusRequest request, CancellationToken cancellationToken)
    {
        var change = DossierStatusValidator.Validate(dossierCode, request, time.GetUtcNow());
        var payload = JsonSerializer.Serialize(change, PortalJsonContext.Default.DossierChange);
        // Province indicators count accepted changes, not delivered ones. The change and its indicator fact are
        // committed together (one transaction, one commit), and the fact's write rides in the outbox's round trip.
        // A repeat is accepted only if it says what the stored version says, so it reports the same fact; a refused
        // one (409) rolls its fact back with the transaction.
        var fact = indicators.DossierStatusAccepted(new DossierStatusFact(change.DossierCode, change.Version, change.Status, change.ChangedAt,
            change.ReceivedAt, change.DueAt, change.AgencyCode, change.ProcedureCode, change.Channel));
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        var (item, created) = await outbox.EnqueueAsync(connection, tx, Topic, change.DossierCode, change.Version, payload, fact, cancellationToken);
        if (created)
        {
            Log.StatusQueued(logger, change.DossierCode, change.Version, change.Status, item.Id);
        }
        else if (!SameChange(item.Payload, change))
        {
            // A correction must be a new version: accepting it as a repeat would lose it without a word.
            Log.StatusVersionConflict(logger, change.DossierCode, change.Version, item.Id);
            throw new GatewayProblemException(409, VersionConflict, "This version of the dossier was already received with other content.",
                $"Version {change.Version} of {change.DossierCode} is stored (sync {item.Id}, {OutboxStore.StateText(item.State)}) with other fields: send the correction as a higher version.");
        }
        else
        {
            Log.StatusDuplicate(logger, change.DossierCode, change.Version, item.Id, OutboxStore.StateText(item.State));
        }

        await tx.CommitAsync(cancellationToken);
        if (created && item.State == OutboxState.Queued)
        {
            outboxSignal.Wake();
        }

        return new DossierSyncAccepted(item.Id, item.State, !created);
    }

    /// <summary>True when the stored payload says what <paramref name="change"/> says (times compared as instants, whatever their offset).</summary>
    private static bool SameChange(string storedPayload, DossierChange change)
    {
        var stored = JsonSerializer.Deserialize(storedPayload, PortalJsonContext.Default.DossierChange);
        return stored is not null && Canonical(stored) == Canonical(change);

        static string Canonical(DossierChange c) => JsonSerializer.Serialize(
            c with
            {
                ChangedAt = c.ChangedAt.ToUniversalTime(),
                ReceivedAt = c.ReceivedAt.ToUniversalTime(),
                DueAt = c.DueAt?.ToUniversalTime(),
                ReturnedAt = c.ReturnedAt?.ToUniversalTime(),
            },
            PortalJsonContext.Default.DossierChange);
    }

    public async Task<DossierSyncView> GetSyncAsync(string dossierCode, CancellationToken cancellationToken)
    {
        if (!DossierStatusValidator.IsDossierCode(dossierCode))
        {
            throw GatewayProblemException.Validation("dossierCode", ProblemCodes.InvalidField, "dossierCode must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.");
        }

        var items = await outbox.ListByKeyAsync(Topic, dossierCode, cancellationToken);
        if (items.Count == 0)
        {
            throw new GatewayProblemException(404, ProblemCodes.NotFound, "No status change of this dossier has been received.");
        }

        var now = time.GetUtcNow();
        var views = items.Select(i => View(i, now)).ToList();
        var latest = views[^1];
        return new DossierSyncView(
            dossierCode, latest.Version, latest.Status, latest.DueAt, DossierStatus.IsOpen(latest.Status), latest.Overdue, views);
    }

    public async Task<PortalOutboxView> ListOutboxAsync(string? state, int? limit, CancellationToken cancellationToken)
    {
        OutboxState? filter = state switch
        {
            null or "" => null,
            "queued" => OutboxState.Queued,
            "in_flight" => OutboxState.InFlight,
            "delivered" => OutboxState.Delivered,
            "dead" => OutboxState.Dead,
            "skipped" => OutboxState.Skipped,
            _ => throw GatewayProblemException.Validation("state", ProblemCodes.InvalidField, "state must be queued, in_flight, delivered, dead or skipped."),
        };
        var take = Limit(limit, 50, 500);
        var now = time.GetUtcNow();
        var backlog = await outbox.GetBacklogAsync([Topic], cancellationToken);
        var items = await outbox.ListAsync(Topic, filter, take, cancellationToken);
        return new PortalOutboxView(
            backlog.Pending,
            backlog.Dead,
            backlog.OldestPendingAt,
            backlog.OldestPendingAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : null,
            items.Select(i => View(i, now)).ToList());
    }

    public Task<DossierSyncItem> RequeueAsync(string syncId, CancellationToken cancellationToken) =>
        OperatorActionAsync("requeue", syncId, outbox.RequeueAsync, cancellationToken);

    public Task<DossierSyncItem> SkipAsync(string syncId, CancellationToken cancellationToken) =>
        OperatorActionAsync("skip", syncId, outbox.SkipAsync, cancellationToken);

    public Task<ProcedureSearchResult> SearchProceduresAsync(string? query, int? limit, CancellationToken cancellationToken)
    {
        if (query is { Length: > 200 })
        {
            throw GatewayProblemException.Validation("query", ProblemCodes.InvalidField, "query may be at most 200 characters.");
        }

        return catalogue.SearchAsync(string.IsNullOrWhiteSpace(query) ? null : query.Trim(), Limit(limit, 20, 100), cancellationToken);
    }

    public Task<AccountStatsResult> GetAccountStatsAsync(string? locality, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(locality) && !NationalPortalOptions.LocalityPattern().IsMatch(locality))
        {
            throw GatewayProblemException.Validation("locality", ProblemCodes.InvalidField, "locality must be 1-20 letters, digits or dots (maDiaBan).");
        }

        return GetStatsAsync(string.IsNullOrEmpty(locality) ? null : locality, cancellationToken);
    }

    private async Task<AccountStatsResult> GetStatsAsync(string? locality, CancellationToken cancellationToken)
    {
        var result = await statistics.GetAsync(locality, cancellationToken);
        if (locality is not null && result.Items.Count == 0)
        {
            throw new GatewayProblemException(404, ProblemCodes.NotFound, "No account statistics of this locality have been pulled.",
                "Statistics are pulled for the codes in Connectors:NationalPortal:Localities.");
        }

        return result;
    }

    private async Task<DossierSyncItem> OperatorActionAsync(
        string action,
        string syncId,
        Func<string, CancellationToken, Task<OutboxChange>> change,
        CancellationToken cancellationToken)
    {
        if (!SyncIdPattern().IsMatch(syncId))
        {
            throw GatewayProblemException.Validation("syncId", ProblemCodes.InvalidField, "syncId must be 32 lower-case hexadecimal characters.");
        }

        var existing = await outbox.GetAsync(syncId, cancellationToken);
        if (existing is null || existing.Topic != Topic)
        {
            throw new GatewayProblemException(404, ProblemCodes.NotFound, "No portal sync item has this id.");
        }

        var (item, changed) = await change(syncId, cancellationToken);
        var result = changed ? (action == "skip" ? "skipped" : "requeued") : "refused_not_dead";
        audit.Record(new AuditRecord("outbox_" + action, NationalPortalServiceCollectionExtensions.ConnectorName, result,
            SubjectMasked: $"{existing.Key} v{existing.Version}"));
        Log.OperatorAction(logger, action, existing.Key, existing.Version, syncId, result);
        if (!changed || item is null)
        {
            throw new GatewayProblemException(409, ProblemCodes.Conflict, $"Only a dead item can be {(action == "skip" ? "skipped" : "requeued")}.",
                $"The item is {OutboxStore.StateText((item ?? existing).State)}.");
        }

        return View(item, time.GetUtcNow());
    }

    private static DossierSyncItem View(OutboxItem item, DateTimeOffset now)
    {
        var change = PortalSyncHandler.ReadPayload(item.Payload);
        var status = change?.Status ?? 0;
        return new DossierSyncItem(
            item.Id,
            item.Key,
            item.Version,
            status,
            item.State,
            item.Attempts,
            item.LastError,
            item.CreatedAt,
            item.LastAttemptAt,
            item.State == OutboxState.Queued ? item.NextAttemptAt : null,
            item.DeliveredAt,
            change?.DueAt,
            DossierStatus.IsOverdue(status, change?.DueAt, now));
    }

    private static int Limit(int? value, int fallback, int max) => value switch
    {
        null => fallback,
        >= 1 when value <= max => value.Value,
        _ => throw GatewayProblemException.Validation("limit", ProblemCodes.InvalidField, $"limit must be between 1 and {max}."),
    };

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex SyncIdPattern();
}
