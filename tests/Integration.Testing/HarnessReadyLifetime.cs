using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Integration.Testing;

/// <summary>
/// Holds the gateway's start until the test harness is listening for its outcome.
/// <para>
/// WebApplicationFactory runs Program on a thread of its own and gets the host back as soon as Program has built
/// it. Program goes on to <c>app.Run()</c> while the harness, on the test's thread, asks the host's services for
/// <see cref="IHostApplicationLifetime"/> to wait for the start. When the start fails (a setting refused by
/// <c>ValidateOnStart</c>), <c>Run</c> disposes the host before Program rethrows; if the test's thread was slower
/// (a busy machine), its question meets a disposed service provider and the test sees an
/// <see cref="ObjectDisposedException"/> instead of the error naming the key. Waiting here, at the first step of
/// the host's start, until the harness has asked removes that race: the failure then always reaches the test.
/// </para>
/// </summary>
internal sealed class HarnessReadyLifetime(IHostLifetime inner, bool ownsInner, Task harnessReady) : IHostLifetime, IDisposable
{
    public async Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        await harnessReady.WaitAsync(cancellationToken);
        await inner.WaitForStartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => inner.StopAsync(cancellationToken);

    public void Dispose()
    {
        // The container disposes what it created; the wrapped lifetime was created here unless it was an instance.
        if (ownsInner && inner is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Wraps the host's lifetime (the last one registered) so its start waits for <paramref name="harnessReady"/>.</summary>
    public static void Register(IServiceCollection services, Func<Task> harnessReady)
    {
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(IHostLifetime) && !d.IsKeyedService)
            ?? throw new InvalidOperationException("The host registers no IHostLifetime to wrap.");
        services.Remove(registered);
        services.AddSingleton<IHostLifetime>(sp => new HarnessReadyLifetime(Create(sp, registered), registered.ImplementationInstance is null, harnessReady()));
    }

    private static IHostLifetime Create(IServiceProvider services, ServiceDescriptor registered) =>
        (IHostLifetime)(registered.ImplementationInstance
            ?? registered.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, registered.ImplementationType!));
}
