using System.Collections.Concurrent;

namespace Integration.Resilience.Tests;

/// <summary>
/// A steady stream of requests from a few workers, each running <c>step(n)</c> with a fresh sequence number until
/// stopped. A step returns true when its request was answered as hoped; an exception (a failed assertion, a
/// connection error) is recorded as an unexpected failure rather than stopping the stream.
/// </summary>
internal sealed class Load : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private long _next;
    private long _completed;
    private long _succeeded;

    private Load(int workers, Func<long, CancellationToken, Task<bool>> step)
    {
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(() => RunAsync(step))).ToArray();
    }

    /// <summary>Requests answered so far (whatever the answer).</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Requests whose step returned true.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Steps that threw, with what they threw.</summary>
    public ConcurrentQueue<string> Unexpected { get; } = new();

    public static Load Start(int workers, Func<long, CancellationToken, Task<bool>> step) => new(workers, step);

    /// <summary>Waits until <paramref name="count"/> more requests have completed than <paramref name="from"/>.</summary>
    public Task WaitForCompletedAsync(long from, long count, string what, TimeSpan? timeout = null) =>
        Integration.Testing.Eventually.TrueAsync(() => Completed >= from + count, what, timeout ?? TimeSpan.FromSeconds(60));

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(Func<long, CancellationToken, Task<bool>> step)
    {
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _next);
            try
            {
                if (await step(n, _stop.Token))
                {
                    Interlocked.Increment(ref _succeeded);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Unexpected.Enqueue($"#{n}: {ex.GetType().Name}: {ex.Message}");
            }

            Interlocked.Increment(ref _completed);
        }
    }
}
