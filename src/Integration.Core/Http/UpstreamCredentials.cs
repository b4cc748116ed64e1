using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Integration.Core.Http;

/// <summary>A credential an upstream issued (a bearer token, a session id), usable until <see cref="RenewAt"/>.</summary>
public sealed record UpstreamCredential(string Value, DateTimeOffset RenewAt)
{
    /// <summary>A credential without a stated lifetime (a session), kept until the upstream rejects it.</summary>
    public static UpstreamCredential UntilRejected(string value) => new(value, DateTimeOffset.MaxValue);
}

/// <summary>
/// How one upstream's credential is obtained and used: the OAuth client-credentials token
/// (<see cref="ClientCredentialsHttpClientBuilderExtensions.AddClientCredentialsToken"/>) or a connector's
/// own (the portal session), registered with <see cref="CredentialHttpClientBuilderExtensions.AddCredentialHandler"/>.
/// </summary>
public interface ICredentialIssuer
{
    /// <summary>Asks the upstream for a new credential (through its own client, never the one the credential is for).</summary>
    Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken);

    /// <summary>Puts the credential on a request, e.g. as <c>Authorization: Bearer …</c>; called again before the request is sent once more.</summary>
    ValueTask ApplyAsync(HttpRequestMessage request, string credential, CancellationToken cancellationToken);

    /// <summary>True when the answer says the credential is no longer accepted (by default HTTP 401).</summary>
    ValueTask<bool> IsRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ValueTask.FromResult(response.StatusCode == HttpStatusCode.Unauthorized);

    /// <summary>Called once per rejection, before a new credential is fetched (e.g. to log it).</summary>
    void OnRejected(HttpRequestMessage request)
    {
    }
}

/// <summary>
/// This instance's credential for one upstream: fetched once for every concurrent caller (single flight),
/// kept until its <see cref="UpstreamCredential.RenewAt"/>, and replaced when the upstream rejects it —
/// only the rejected one, so that concurrent rejections renew it once. A failed fetch is not kept: the next
/// caller tries again. An instance's own credential, not shared state: each instance holding its own is correct.
/// </summary>
public sealed class CredentialCache(ICredentialIssuer issuer, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile UpstreamCredential? _current;

    /// <summary>Who issues and applies the credential.</summary>
    public ICredentialIssuer Issuer => issuer;

    /// <summary>A usable credential; a new one when there is none, it is due for renewal, or it is <paramref name="rejected"/>.</summary>
    public async Task<string> GetAsync(string? rejected, CancellationToken cancellationToken)
    {
        if (Usable(rejected) is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have renewed it while this one waited.
            if (Usable(rejected) is { } renewed)
            {
                return renewed;
            }

            _current = null;
            var credential = await issuer.IssueAsync(cancellationToken);
            _current = credential;
            return credential.Value;
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Usable(string? rejected) =>
        _current is { } c && c.Value != rejected && c.RenewAt > time.GetUtcNow() ? c.Value : null;

    public void Dispose() => _gate.Dispose();
}

/// <summary>
/// Puts the upstream's credential on every request and, when the upstream rejects it, fetches a new one
/// and sends the request once more. A second rejection reaches the client, which reports it.
/// </summary>
internal sealed class CredentialHandler(CredentialCache credentials) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var issuer = credentials.Issuer;
        var credential = await credentials.GetAsync(null, cancellationToken);
        await issuer.ApplyAsync(request, credential, cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        if (!await issuer.IsRejectedAsync(response, cancellationToken))
        {
            return response;
        }

        response.Dispose();
        issuer.OnRejected(request);
        credential = await credentials.GetAsync(credential, cancellationToken);
        await issuer.ApplyAsync(request, credential, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }
}

public static class CredentialHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the handler of the credential named <paramref name="credential"/> to a client registered with
    /// <see cref="UpstreamHttpClientExtensions.AddUpstreamHttpClient{TClient}"/> or
    /// <see cref="UpstreamHttpClientExtensions.AddUpstreamRefitClient{TApi}"/>, outside the resilience
    /// handler: fetching a credential is never part of an attempt's time, and the request sent again after a
    /// rejection goes through the whole pipeline (retries, breaker) like the first. Clients that name the same
    /// credential share it (one <see cref="CredentialCache"/>, from the first registration's issuer).
    /// </summary>
    public static IHttpClientBuilder AddCredentialHandler(this IHttpClientBuilder builder, string credential, Func<IServiceProvider, ICredentialIssuer> issuer)
    {
        builder.Services.TryAddKeyedSingleton(credential, (sp, _) => new CredentialCache(issuer(sp), sp.GetRequiredService<TimeProvider>()));
        return builder.ConfigureAdditionalHttpMessageHandlers((handlers, sp) =>
            handlers.Insert(0, new CredentialHandler(sp.GetRequiredKeyedService<CredentialCache>(credential))));
    }

    /// <summary>Adds the credential handler of <typeparamref name="TIssuer"/>, a singleton, as the credential named after its type.</summary>
    public static IHttpClientBuilder AddCredentialHandler<TIssuer>(this IHttpClientBuilder builder)
        where TIssuer : class, ICredentialIssuer
    {
        builder.Services.TryAddSingleton<TIssuer>();
        return builder.AddCredentialHandler(typeof(TIssuer).FullName!, sp => sp.GetRequiredService<TIssuer>());
    }
}
