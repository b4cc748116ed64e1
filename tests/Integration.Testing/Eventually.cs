namespace Integration.Testing;

/// <summary>Waits for a condition that background work (a writer, a dispatcher, a job) makes true, instead of sleeping a fixed time.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="what"/> after <paramref name="timeout"/> (default 15 s).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(15);
        if (!await Poll.UntilAsync(condition, limit, TimeSpan.FromMilliseconds(50)))
        {
            throw new Xunit.Sdk.XunitException($"Timed out after {limit} waiting for: {what}");
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
