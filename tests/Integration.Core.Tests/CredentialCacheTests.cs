using Integration.Core.Http;
using Microsoft.Extensions.Time.Testing;

namespace Integration.Core.Tests;

/// <summary>The credential an instance keeps for an upstream (a token, the portal session): one fetch however many callers ask.</summary>
public sealed class CredentialCacheTests
{
    /// <summary>Issues <c>credential-1</c>, <c>credential-2</c>, … once <see cref="Release"/> lets it; <see cref="Fail"/> makes the next issue throw.</summary>
    private sealed class CountingIssuer(TimeSpan lifetime, TimeProvider time) : ICredentialIssuer
    {
        private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _issued;

        public int Issued => _issued;

        public bool Fail { get; set; }

        public void Release() => _gate.SetResult();

        public void Hold() => _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref _issued);
            await _gate.Task;
            return Fail ? throw new HttpRequestException("down") : new UpstreamCredential($"credential-{n}", time.GetUtcNow() + lifetime);
        }

        public ValueTask ApplyAsync(HttpRequestMessage request, string credential, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 1, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task GetAsync_ManyCallersSeeTheSameRejectedCredential_IssuedOnce()
    {
        var issuer = new CountingIssuer(TimeSpan.FromHours(1), _time);
        using var cache = new CredentialCache(issuer, _time);
        issuer.Release();
        Assert.Equal("credential-1", await cache.GetAsync(null, CancellationToken.None));
        issuer.Hold();

        var renewals = Enumerable.Range(0, 10).Select(_ => Task.Run(() => cache.GetAsync("credential-1", CancellationToken.None))).ToList();
        issuer.Release();
        var renewed = await Task.WhenAll(renewals);

        Assert.Equal(2, issuer.Issued);
        Assert.All(renewed, c => Assert.Equal("credential-2", c));
        Assert.Equal("credential-2", await cache.GetAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_IssueFails_NextCallerTriesAgain()
    {
        var issuer = new CountingIssuer(TimeSpan.FromHours(1), _time) { Fail = true };
        using var cache = new CredentialCache(issuer, _time);
        issuer.Release();

        await Assert.ThrowsAsync<HttpRequestException>(() => cache.GetAsync(null, CancellationToken.None));
        issuer.Fail = false;

        Assert.Equal("credential-2", await cache.GetAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_PastRenewAt_IssuesANewOne()
    {
        var issuer = new CountingIssuer(TimeSpan.FromMinutes(5), _time);
        using var cache = new CredentialCache(issuer, _time);
        issuer.Release();
        await cache.GetAsync(null, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal("credential-1", await cache.GetAsync(null, CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("credential-2", await cache.GetAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_SessionWithoutLifetime_KeptUntilRejected()
    {
        var issuer = new SessionIssuer();
        using var cache = new CredentialCache(issuer, _time);
        var first = await cache.GetAsync(null, CancellationToken.None);

        _time.Advance(TimeSpan.FromDays(30));

        Assert.Equal(first, await cache.GetAsync(null, CancellationToken.None));
        Assert.NotEqual(first, await cache.GetAsync(first, CancellationToken.None));
    }

    private sealed class SessionIssuer : ICredentialIssuer
    {
        public Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken) =>
            Task.FromResult(UpstreamCredential.UntilRejected(Guid.NewGuid().ToString("N")));

        public ValueTask ApplyAsync(HttpRequestMessage request, string credential, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
