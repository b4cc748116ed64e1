using System.Threading.Channels;

namespace Integration.Core.Outbox;

/// <summary>Wakes the dispatcher at once when an item becomes due (an enqueue, a requeue) instead of at its next poll.</summary>
public sealed class OutboxSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Wake() => _channel.Writer.TryWrite(true);

    internal Task<bool> WaitAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAsync(cancellationToken).AsTask();
}
