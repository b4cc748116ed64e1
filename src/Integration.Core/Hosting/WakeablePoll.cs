namespace Integration.Core.Hosting;

/// <summary>
/// The loop of a background worker that must react at once to new work yet not miss work that becomes due
/// later: runs <c>drain</c>, then waits for whichever comes first, a tick of a timer of the injected
/// <see cref="TimeProvider"/> or a wake-up, and drains again, until stopped. Used by the outbox dispatcher and
/// the linked-procedure worker.
/// </summary>
public static class WakeablePoll
{
    /// <param name="interval">The timer's period.</param>
    /// <param name="time">The clock (tests move a fake one).</param>
    /// <param name="waitForWake">Completes when someone asks for a drain now.</param>
    /// <param name="drain">Does all the work that is due; must not throw.</param>
    /// <param name="stoppingToken">Ends the loop.</param>
    public static async Task RunAsync(
        TimeSpan interval,
        TimeProvider time,
        Func<CancellationToken, Task<bool>> waitForWake,
        Func<CancellationToken, Task> drain,
        CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        Task<bool>? tick = null;
        Task<bool>? wake = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await drain(stoppingToken);
                tick ??= timer.WaitForNextTickAsync(stoppingToken).AsTask();
                wake ??= waitForWake(stoppingToken);
                var fired = await Task.WhenAny(tick, wake);
                if (fired == tick)
                {
                    tick = null;
                }
                else
                {
                    wake = null;
                }

                if (!await fired)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
