using Integration.Core.Http;
using Integration.Core.Problems;
using Microsoft.Extensions.Options;
using Refit;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// The portal adapter's login (docs/upstreams.md, "National public-service portal adapter"). A client of its
/// own, without the session handler: it is how the session is obtained.
/// </summary>
internal interface IPortalAuthApi
{
    [Post("/auth")]
    Task<IApiResponse<PortalAuthAnswer>> LoginAsync([Body] PortalAuthRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// The portal adapter's <c>integration</c> (dossier sync) and <c>share</c> (catalogue, statistics) calls. The
/// session goes into each body through Core's credential handler (<see cref="PortalSession"/>). Registered
/// safe to retry: <c>share</c> changes nothing, and the portal applies each (dossier, version) of an
/// <c>integration</c> call once, answering 97 to a repeat, which counts as delivered, so a resend after a
/// lost answer or a 5xx can never apply a change twice.
/// </summary>
internal interface IPortalApi
{
    [Post("/integration")]
    Task<IApiResponse<PortalAnswer>> SyncDossierAsync([Body] SyncDossierRequest request, CancellationToken cancellationToken);

    [Post("/integration")]
    Task<IApiResponse<PortalAnswer>> UpdateProgressAsync([Body] UpdateProgressRequest request, CancellationToken cancellationToken);

    [Post("/share")]
    Task<IApiResponse<CatalogueAnswer>> GetCataloguePageAsync([Body] CatalogueRequest request, CancellationToken cancellationToken);

    [Post("/share")]
    Task<IApiResponse<AccountStatsAnswer>> GetAccountStatsAsync([Body] AccountStatsRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Calls the portal adapter with the shared session. Business answers (<c>error_code</c>) are returned for
/// the caller to judge; transport failures, unreadable answers and a session refused right after it was
/// issued leave as transient <see cref="UpstreamException"/>s.
/// </summary>
internal sealed class PortalClient(IPortalApi api, IOptions<NationalPortalOptions> options)
{
    public const string Upstream = "portal";

    public async Task<PortalAnswer> SyncDossierAsync(PortalDossier dossier, bool isUpdating, CancellationToken cancellationToken)
    {
        var request = new SyncDossierRequest(options.Value.AgencyCode, isUpdating ? "True" : "False", [dossier]);
        using var response = await api.SyncDossierAsync(request, cancellationToken);
        return InSession(response, request.Service);
    }

    public async Task<PortalAnswer> UpdateProgressAsync(PortalProgress progress, CancellationToken cancellationToken)
    {
        var request = new UpdateProgressRequest(options.Value.AgencyCode, [progress]);
        using var response = await api.UpdateProgressAsync(request, cancellationToken);
        return InSession(response, request.Service);
    }

    public async Task<CatalogueAnswer> GetCataloguePageAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        var request = new CatalogueRequest(page, pageSize);
        using var response = await api.GetCataloguePageAsync(request, cancellationToken);
        return InSession(response, request.Service);
    }

    public async Task<AccountStatsAnswer> GetAccountStatsAsync(string locality, CancellationToken cancellationToken)
    {
        var request = new AccountStatsRequest(locality);
        using var response = await api.GetAccountStatsAsync(request, cancellationToken);
        return InSession(response, request.Service);
    }

    /// <summary>
    /// The adapter's answer; an <see cref="UpstreamException"/> for a transient HTTP status, or for a body without
    /// <c>error_code</c> (a proxy's error page, a wrong base URL): nothing says the item is at fault, so it is
    /// retried rather than given up.
    /// </summary>
    internal static TAnswer Read<TAnswer>(IApiResponse<TAnswer> response, string service)
        where TAnswer : PortalAnswer
    {
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        return response is { Error: null, Content: { ErrorCode: not null } answer }
            ? answer
            : throw new UpstreamErrorException(Upstream, $"The portal answered {service} with HTTP {(int?)response.StatusCode} and no error_code.", transient: true);
    }

    /// <summary>The answer of a call made with the session, which the credential handler has already renewed once if the portal refused it.</summary>
    private static TAnswer InSession<TAnswer>(IApiResponse<TAnswer> response, string service)
        where TAnswer : PortalAnswer
    {
        var answer = Read(response, service);
        return answer.ErrorCode == PortalAnswer.SessionExpired
            ? throw new UpstreamErrorException(Upstream, $"The portal rejected a session it had just issued ({service}, error -1).", transient: true)
            : answer;
    }
}
