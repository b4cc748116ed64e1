namespace Integration.Connectors.NationalPortal;

/// <summary>
/// The adapter session shared by every call of this instance: one login, reused until the adapter answers
/// <c>-1</c>; then one caller logs in again while the others wait for (and reuse) its new session.
/// </summary>
internal sealed class PortalSessions
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile string? _current;

    public Task<string> GetAsync(Func<CancellationToken, Task<string>> login, CancellationToken cancellationToken) =>
        _current is { } session ? Task.FromResult(session) : RenewAsync(null, login, cancellationToken);

    /// <summary>Replaces <paramref name="expired"/> with a new session, unless another caller already has.</summary>
    public async Task<string> RenewAsync(string? expired, Func<CancellationToken, Task<string>> login, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } current && current != expired)
            {
                return current;
            }

            _current = null;
            var session = await login(cancellationToken);
            _current = session;
            return session;
        }
        finally
        {
            _gate.Release();
        }
    }
}
