using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Integration.Core.Http;

/// <summary>A credential an upstream issued (a bearer token, a session id), usable until <see cref="RenewAt"/>.</summary>
public sealed record UpstreamCredential(string Value, DateTimeOffset RenewAt);

/// <summary>
/// How one upstream's credential is obtained and used: implemented per upstream (LGSP token, VNPT token,
/// portal session) and registered with <see cref="CredentialHttpClientBuilderExtensions.AddCredentialHandler{TIssuer}"/>.
/// </summary>
public interface ICredentialIssuer
{
    /// <summary>Asks the upstream for a new credential (through its own client, never the one the credential is for).</summary>
    Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken);

    /// <summary>Puts the credential on a request, e.g. as <c>Authorization: Bearer …</c>.</summary>
    void Apply(HttpRequestMessage request, string credential);

    /// <summary>True when the answer says the credential is no longer accepted (by default HTTP 401).</summary>
    bool IsRejected(HttpResponseMessage response) => response.StatusCode == HttpStatusCode.Unauthorized;

    /// <summary>Called once per rejection, before a new credential is fetched (e.g. to log it).</summary>
    void OnRejected()
    {
    }
}

/// <summary>
/// This instance's credential for one upstream: fetched once for every concurrent caller (single flight),
/// kept until its <see cref="UpstreamCredential.RenewAt"/>, and replaced when the upstream rejects it —
/// only the rejected one, so that concurrent rejections renew it once. An instance's own credential, not
/// shared state: each instance holding its own is correct.
/// </summary>
public sealed class CredentialCache<TIssuer>(TIssuer issuer, TimeProvider time) : IDisposable
    where TIssuer : ICredentialIssuer
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile UpstreamCredential? _current;

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
internal sealed class CredentialHandler<TIssuer>(CredentialCache<TIssuer> credentials, TIssuer issuer) : DelegatingHandler
    where TIssuer : ICredentialIssuer
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var credential = await credentials.GetAsync(null, cancellationToken);
        issuer.Apply(request, credential);
        var response = await base.SendAsync(request, cancellationToken);
        if (!issuer.IsRejected(response))
        {
            return response;
        }

        response.Dispose();
        issuer.OnRejected();
        credential = await credentials.GetAsync(credential, cancellationToken);
        issuer.Apply(request, credential);
        return await base.SendAsync(request, cancellationToken);
    }
}

public static class CredentialHttpClientBuilderExtensions
{
    /// <summary>
    /// Adds the credential handler of <typeparamref name="TIssuer"/> to a client registered with
    /// <see cref="UpstreamHttpClientExtensions.AddUpstreamHttpClient{TClient}"/>, outside the resilience
    /// handler: fetching a credential is never part of an attempt's time, and the request sent again after a
    /// rejection goes through the whole pipeline (retries, breaker) like the first.
    /// </summary>
    public static IHttpClientBuilder AddCredentialHandler<TIssuer>(this IHttpClientBuilder builder)
        where TIssuer : class, ICredentialIssuer
    {
        builder.Services.TryAddSingleton<TIssuer>();
        builder.Services.TryAddSingleton<CredentialCache<TIssuer>>();
        return builder.ConfigureAdditionalHttpMessageHandlers((handlers, sp) => handlers.Insert(0, new CredentialHandler<TIssuer>(
            sp.GetRequiredService<CredentialCache<TIssuer>>(), sp.GetRequiredService<TIssuer>())));
    }
}
