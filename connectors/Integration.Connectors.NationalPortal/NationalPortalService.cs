using System.Text.Json;
using System.Text.RegularExpressions;
using Integration.Core.Audit;
using Integration.Core.Indicators;
using Integration.Core.Outbox;
using Integration.Core.Problems;
using Integration.Core.Store;
using Integration.Core.Validation;
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

    public async Task<Result<DossierSyncAccepted, PortalError>> SubmitStatusAsync(string dossierCode, DossierStatusRequest request, CancellationToken cancellationToken)
    {
        var validated = DossierStatusValidator.Validate(dossierCode, request, time.GetUtcNow());
        if (!validated.Succeeded)
        {
            return validated.Error;
        }

        var change = validated.Value;
        var payload = JsonSerializer.Serialize(change, PortalJsonContext.Default.DossierChange);
        // Province indicators count accepted changes, not delivered ones. The change and its indicator fact are
        // committed together (one transaction, one commit), and the fact's write rides in the outbox's round trip.
        // A repeat is accepted only if it says what the stored version says, so it reports the same fact; a refused
        // one (a version conflict) rolls its fact back with the transaction.
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
            return new PortalError.VersionConflict(change.DossierCode, change.Version, item.Id, item.State);
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

    public async Task<Result<DossierSyncView, PortalError>> GetSyncAsync(string dossierCode, CancellationToken cancellationToken)
    {
        if (!DossierStatusValidator.IsDossierCode(dossierCode))
        {
            return Invalid("dossierCode", "dossierCode must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.");
        }

        var items = await outbox.ListByKeyAsync(Topic, dossierCode, cancellationToken);
        if (items.Count == 0)
        {
            return new PortalError.DossierNotFound();
        }

        var now = time.GetUtcNow();
        var views = items.Select(i => View(i, now)).ToList();
        var latest = views[^1];
        return new DossierSyncView(
            dossierCode, latest.Version, latest.Status, latest.DueAt, DossierStatus.IsOpen(latest.Status), latest.Overdue, views);
    }

    public async Task<Result<PortalOutboxView, PortalError>> ListOutboxAsync(string? state, int? limit, CancellationToken cancellationToken)
    {
        (bool Known, OutboxState? Filter) parsed = state switch
        {
            null or "" => (true, null),
            "queued" => (true, OutboxState.Queued),
            "in_flight" => (true, OutboxState.InFlight),
            "delivered" => (true, OutboxState.Delivered),
            "dead" => (true, OutboxState.Dead),
            "skipped" => (true, OutboxState.Skipped),
            _ => (false, null),
        };
        if (!parsed.Known)
        {
            return Invalid("state", "state must be queued, in_flight, delivered, dead or skipped.");
        }

        if (!PageLimit.TryParse(limit, 50, 500, out var take, out var invalid))
        {
            return new PortalError.Invalid([invalid]);
        }

        var now = time.GetUtcNow();
        var backlog = await outbox.GetBacklogAsync([Topic], cancellationToken);
        var items = await outbox.ListAsync(Topic, parsed.Filter, take, cancellationToken);
        return new PortalOutboxView(
            backlog.Pending,
            backlog.Dead,
            backlog.OldestPendingAt,
            backlog.OldestPendingAt is { } oldest ? Math.Max(0, (now - oldest).TotalSeconds) : null,
            items.Select(i => View(i, now)).ToList());
    }

    public Task<Result<DossierSyncItem, PortalError>> RequeueAsync(string syncId, CancellationToken cancellationToken) =>
        OperatorActionAsync(PortalOperatorAction.Requeue, syncId, outbox.RequeueAsync, cancellationToken);

    public Task<Result<DossierSyncItem, PortalError>> SkipAsync(string syncId, CancellationToken cancellationToken) =>
        OperatorActionAsync(PortalOperatorAction.Skip, syncId, outbox.SkipAsync, cancellationToken);

    public async Task<Result<ProcedureSearchResult, PortalError>> SearchProceduresAsync(string? query, int? limit, CancellationToken cancellationToken)
    {
        if (query is { Length: > 200 })
        {
            return Invalid("query", "query may be at most 200 characters.");
        }

        if (!PageLimit.TryParse(limit, 20, 100, out var take, out var invalid))
        {
            return new PortalError.Invalid([invalid]);
        }

        return await catalogue.SearchAsync(string.IsNullOrWhiteSpace(query) ? null : query.Trim(), take, cancellationToken);
    }

    public async Task<Result<AccountStatsResult, PortalError>> GetAccountStatsAsync(string? locality, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(locality) && !NationalPortalOptions.LocalityPattern().IsMatch(locality))
        {
            return Invalid("locality", "locality must be 1-20 letters, digits or dots (maDiaBan).");
        }

        var one = string.IsNullOrEmpty(locality) ? null : locality;
        var result = await statistics.GetAsync(one, cancellationToken);
        if (one is not null && result.Items.Count == 0)
        {
            return new PortalError.StatisticsNotPulled();
        }

        return result;
    }

    private async Task<Result<DossierSyncItem, PortalError>> OperatorActionAsync(
        PortalOperatorAction action,
        string syncId,
        Func<string, CancellationToken, Task<OutboxChange>> change,
        CancellationToken cancellationToken)
    {
        if (!SyncIdPattern().IsMatch(syncId))
        {
            return Invalid("syncId", "syncId must be 32 lower-case hexadecimal characters.");
        }

        var existing = await outbox.GetAsync(syncId, cancellationToken);
        if (existing is null || existing.Topic != Topic)
        {
            return new PortalError.SyncItemNotFound();
        }

        var (item, changed) = await change(syncId, cancellationToken);
        var name = action == PortalOperatorAction.Skip ? "skip" : "requeue";
        var result = changed ? (action == PortalOperatorAction.Skip ? "skipped" : "requeued") : "refused_not_dead";
        audit.Record(new AuditRecord("outbox_" + name, NationalPortalServiceCollectionExtensions.ConnectorName, result,
            SubjectMasked: $"{existing.Key} v{existing.Version}"));
        Log.OperatorAction(logger, name, existing.Key, existing.Version, syncId, result);
        if (!changed || item is null)
        {
            return new PortalError.NotDead(action, (item ?? existing).State);
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

    /// <summary>One query or path parameter that is not valid (each such check stops at the first bad parameter).</summary>
    private static PortalError.Invalid Invalid(string field, string message) =>
        new([new FieldError(field, ProblemCodes.InvalidField, message)]);

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex SyncIdPattern();
}
