namespace Integration.Core.Outbox;

/// <summary>Where an outbox item is in its life.</summary>
public enum OutboxState
{
    /// <summary>Waiting to be sent (first time, or again after a transient failure at <see cref="OutboxItem.NextAttemptAt"/>).</summary>
    Queued,

    /// <summary>Claimed by one dispatcher under a lease; sent at most by that dispatcher until the lease expires.</summary>
    InFlight,

    /// <summary>The upstream accepted it (or already had it). Final.</summary>
    Delivered,

    /// <summary>
    /// A permanent failure, or the last allowed attempt failed. Blocks later versions of the same key
    /// until an operator requeues or skips it.
    /// </summary>
    Dead,

    /// <summary>Never sent: an operator skipped it, or a later version of its key had already been sent. Final.</summary>
    Skipped,
}

/// <summary>One message in the outbox: the <see cref="Version"/>th state of <see cref="Key"/> for <see cref="Topic"/>.</summary>
/// <param name="Id">The sync id callers see (32 hex characters, time-ordered).</param>
/// <param name="Topic">Which handler sends it, e.g. <c>portal.dossier-status</c>.</param>
/// <param name="Key">What it is about (e.g. a dossier code); items of one key are sent one at a time, in version order.</param>
/// <param name="Version">Positive, unique per (topic, key).</param>
/// <param name="Payload">JSON written by the enqueuing connector, read by its handler.</param>
/// <param name="State">See <see cref="OutboxState"/>.</param>
/// <param name="Attempts">Sends started so far (a claim counts as an attempt; a requeue starts again from 0).</param>
/// <param name="CreatedAt">When it was enqueued.</param>
/// <param name="NextAttemptAt">When it may be claimed next (while queued).</param>
/// <param name="LastAttemptAt">When the last attempt started.</param>
/// <param name="DeliveredAt">When the upstream accepted it.</param>
/// <param name="LastError">The last failure, free of personal data; kept after a later success as history.</param>
/// <param name="Lease">The claim token while in flight (null otherwise); completing requires it.</param>
public sealed record OutboxItem(
    string Id,
    string Topic,
    string Key,
    long Version,
    string Payload,
    OutboxState State,
    long Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    string? LastError,
    string? Lease);

/// <summary>What an enqueue did.</summary>
/// <param name="Item">The new item, or the one already stored for this (topic, key, version).</param>
/// <param name="Created">False when the version was already in the outbox: nothing was added.</param>
public sealed record OutboxEnqueueResult(OutboxItem Item, bool Created);

/// <summary>What an operator action did.</summary>
/// <param name="Item">The item after the action; null when no item has that id.</param>
/// <param name="Changed">False when the item was not in a state the action applies to (it is returned unchanged).</param>
public sealed record OutboxChange(OutboxItem? Item, bool Changed);
