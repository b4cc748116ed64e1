using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Core.Outbox;

/// <summary>
/// Sends due outbox items through their topic's <see cref="IOutboxHandler"/>: on a timer of the injected
/// <see cref="TimeProvider"/> (<see cref="OutboxOptions.PollInterval"/>), and at once when an
/// <see cref="OutboxSignal"/> says an item is due. Each round claims batches until none is due, so the
/// next version of a key goes as soon as the previous one is delivered. Also publishes each
/// connector's backlog to the health registry.
/// </summary>
internal sealed class OutboxDispatcher(
    OutboxStore store,
    OutboxSignal signal,
    IEnumerable<IOutboxHandler> handlers,
    IOptions<OutboxOptions> options,
    ConnectorHealthRegistry registry,
    TimeProvider time,
    ILogger<OutboxDispatcher> logger)
    : BackgroundService
{
    private readonly Dictionary<string, IOutboxHandler> _handlers = handlers.ToDictionary(h => h.Topic, StringComparer.Ordinal);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before ExecuteAsync, which may start after the host is already answering.
        foreach (var connector in _handlers.Values.GroupBy(h => h.Connector, StringComparer.OrdinalIgnoreCase))
        {
            var topics = connector.Select(h => h.Topic).ToArray();
            registry.Connector(connector.Key).Backlog = ct => store.GetBacklogAsync(topics, ct);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_handlers.Count == 0)
        {
            return;
        }

        var o = options.Value;
        await WakeablePoll.RunAsync(o.PollInterval, time, signal.WaitAsync, ct => DrainAsync(o, ct), stoppingToken);
    }

    private async Task DrainAsync(OutboxOptions o, CancellationToken stoppingToken)
    {
        var topics = _handlers.Keys.ToArray();
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<OutboxItem> batch;
            try
            {
                batch = await store.ClaimAsync(topics, o.BatchSize, o.LeaseDuration, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.OutboxClaimFailed(logger, ex);
                return;
            }

            if (batch.Count == 0)
            {
                return;
            }

            // Every claimed item is finished (sent, failed or released) even when stopping.
            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelism },
                async (item, _) => await DispatchAsync(item, o, stoppingToken));
        }
    }

    private async Task DispatchAsync(OutboxItem item, OutboxOptions o, CancellationToken stoppingToken)
    {
        var handler = _handlers[item.Topic];
        // Give up before the lease ends, so no other instance can be sending the item while this one still is.
        using var budget = new CancellationTokenSource(o.LeaseDuration * 0.9, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, budget.Token);
        try
        {
            using (CallerContext.BeginSystemCall("outbox:" + item.Topic))
            {
                await handler.DispatchAsync(item, linked.Token);
            }

            if (await store.MarkDeliveredAsync(item, CancellationToken.None))
            {
                Log.OutboxDelivered(logger, item.Topic, item.Key, item.Version, item.Attempts);
            }
            else
            {
                Log.OutboxLeaseLost(logger, item.Topic, item.Key, item.Version);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await TryAsync(() => store.ReleaseAsync(item, CancellationToken.None), item);
        }
        catch (Exception ex)
        {
            var (permanent, error, retryAfter) = Classify(ex, budget.IsCancellationRequested);
            await TryAsync(
                async () =>
                {
                    var failed = await store.MarkFailedAsync(item, error, permanent, retryAfter, CancellationToken.None);
                    if (failed is null)
                    {
                        Log.OutboxLeaseLost(logger, item.Topic, item.Key, item.Version);
                    }
                    else if (failed.State == OutboxState.Dead)
                    {
                        Log.OutboxDead(logger, item.Topic, item.Key, item.Version, item.Attempts, error);
                    }
                    else
                    {
                        Log.OutboxRetrying(logger, item.Topic, item.Key, item.Version, item.Attempts, failed.NextAttemptAt, error);
                    }

                    return true;
                },
                item);
        }
    }

    private async Task TryAsync(Func<Task<bool>> write, OutboxItem item)
    {
        try
        {
            await write();
        }
        catch (Exception ex)
        {
            // The item stays in flight until its lease expires, then is claimed and sent again.
            Log.OutboxUpdateFailed(logger, item.Topic, item.Key, item.Version, ex);
        }
    }

    private static (bool Permanent, string Error, TimeSpan? RetryAfter) Classify(Exception ex, bool outOfTime)
    {
        var (permanent, error, retryAfter) = ex switch
        {
            UpstreamException u => (!u.Transient, u.Detail ?? u.Title, u.RetryAfter),
            OutboxPermanentFailureException p => (true, p.Message, null),
            GatewayProblemException { Status: >= 400 and < 500 } g => (true, g.Detail ?? g.Title, null),
            OperationCanceledException when outOfTime => (false, "The attempt did not finish within the outbox lease.", null),
            _ => (false, $"{ex.GetType().Name}: {ex.Message}", (TimeSpan?)null),
        };
        return (permanent, PersonalDataMask.Text(error), retryAfter);
    }
}
