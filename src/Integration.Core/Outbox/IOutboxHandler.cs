namespace Integration.Core.Outbox;

/// <summary>
/// Sends the items of one topic; registered by the connector that owns the topic with
/// <see cref="OutboxServiceCollectionExtensions.AddOutboxHandler{THandler}"/>.
/// </summary>
/// <remarks>
/// Return normally when the upstream accepted the item or already had it. Throw an
/// <see cref="Problems.UpstreamException"/> whose <c>Transient</c> is false, or an
/// <see cref="OutboxPermanentFailureException"/>, when sending again cannot help: the item goes dead with
/// the exception's detail. Any other exception is transient: the item is retried with backoff. An item
/// may be sent more than once (a lost answer, an instance that died mid-send), so the upstream must
/// recognise a repeated version.
/// </remarks>
public interface IOutboxHandler
{
    /// <summary>The topic this handler sends, e.g. <c>portal.dossier-status</c>.</summary>
    string Topic { get; }

    /// <summary>The connector whose backlog the topic's items count in (<c>Connectors:&lt;Name&gt;</c>).</summary>
    string Connector { get; }

    /// <summary>Sends one claimed item; <paramref name="cancellationToken"/> fires before the claim's lease ends.</summary>
    Task DispatchAsync(OutboxItem item, CancellationToken cancellationToken);
}

/// <summary>Thrown by a handler when an item can never be sent as it is (e.g. its payload is unreadable).</summary>
public sealed class OutboxPermanentFailureException(string message, Exception? inner = null) : Exception(message, inner);
