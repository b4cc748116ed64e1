namespace Integration.Testing;

/// <summary>
/// Checks a condition on a <see cref="PeriodicTimer"/> until it holds or a time budget runs out: the one
/// way fixtures and tests wait for something another process or a background loop makes true.
/// </summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds; false when <paramref name="timeout"/> passes first. The caller's cancellation throws.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan interval, CancellationToken cancellationToken = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        using var timer = new PeriodicTimer(interval);
        while (!await condition().ConfigureAwait(false))
        {
            try
            {
                await timer.WaitForNextTickAsync(budget.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return await condition().ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>The same for synchronous callers (fixture constructors).</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan interval) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, interval).GetAwaiter().GetResult();
}
