using Integration.Core.Privacy;
using Microsoft.Extensions.Caching.Distributed;

namespace Integration.Core.Caching;

/// <summary>
/// The L2 seen by FusionCache: Microsoft's <c>RedisCache</c> with every value AES-256-GCM encrypted
/// (bound to its key) before it reaches Redis, so no personal data sits there in clear. Keys are
/// already keyed hashes (see <see cref="ConnectorCache"/>). Reports each command's outcome to
/// <see cref="RedisConnection"/> (one warning per outage); failures still reach FusionCache, which
/// then skips L2 for a moment and keeps serving from L1 and the upstreams.
/// </summary>
internal sealed class ProtectedDistributedCache(IDistributedCache inner, PersonalDataProtector protector, RedisConnection connection) : IDistributedCache
{
    public byte[]? Get(string key) => Open(key, Run(() => inner.Get(key)));

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default) =>
        Open(key, await RunAsync(() => inner.GetAsync(key, token)));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) =>
        Run(() => { inner.Set(key, protector.Encrypt(value, key), options); return true; });

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        RunAsync(async () => { await inner.SetAsync(key, protector.Encrypt(value, key), options, token); return true; });

    public void Refresh(string key) => Run(() => { inner.Refresh(key); return true; });

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        RunAsync(async () => { await inner.RefreshAsync(key, token); return true; });

    public void Remove(string key) => Run(() => { inner.Remove(key); return true; });

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        RunAsync(async () => { await inner.RemoveAsync(key, token); return true; });

    /// <summary>Null when the value was tampered with or written under another key (read as a miss).</summary>
    private byte[]? Open(string key, byte[]? sealedValue) => sealedValue is null ? null : protector.Decrypt(sealedValue, key);

    private T Run<T>(Func<T> command)
    {
        try
        {
            var result = command();
            connection.MarkUp();
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            connection.MarkDown(ex.GetType().Name);
            throw;
        }
    }

    private async Task<T> RunAsync<T>(Func<Task<T>> command)
    {
        try
        {
            var result = await command();
            connection.MarkUp();
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            connection.MarkDown(ex.GetType().Name);
            throw;
        }
    }
}
