using System.Threading.Channels;

namespace Integration.Connectors.Linked.Processes;

/// <summary>Wakes the worker at once when a step becomes due (a creation, a finished step, an officer's retry) instead of at its next poll.</summary>
internal sealed class LinkedSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Wake() => _channel.Writer.TryWrite(true);

    public Task<bool> WaitAsync(CancellationToken cancellationToken) => _channel.Reader.ReadAsync(cancellationToken).AsTask();
}
