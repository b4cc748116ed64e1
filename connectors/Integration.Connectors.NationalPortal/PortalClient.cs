using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Calls the portal adapter: <c>auth</c>, <c>integration</c> (dossier sync) and <c>share</c> (catalogue,
/// statistics), with the shared session (<see cref="PortalSessions"/>). An answer of <c>-1</c> (session
/// expired) makes it log in again once and repeat the call. Business answers (<c>error_code</c>) are
/// returned for the caller to judge; transport failures and unreadable answers leave as transient
/// <see cref="UpstreamException"/>s.
/// </summary>
internal sealed class PortalClient(HttpClient http, PortalSessions sessions, IOptions<NationalPortalOptions> options, ILogger<PortalClient> logger)
{
    public const string Upstream = "portal";

    private static PortalJsonContext Json => PortalJsonContext.Default;

    /// <summary>Logs in and returns a new session (not the shared one: <see cref="PortalSessions"/> keeps that).</summary>
    public async Task<string> LoginAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var answer = await PostAsync("auth", new PortalAuthRequest(o.Username, o.Password), Json.PortalAuthRequest, Json.PortalAuthAnswer, cancellationToken);
        if (!answer.Succeeded || string.IsNullOrEmpty(answer.Session))
        {
            // Transient for the outbox: once an operator fixes the account, queued items go through.
            throw new UpstreamErrorException(
                Upstream,
                $"The portal refused the gateway's login (error {answer.ErrorCode}: {answer.Message}). Check Connectors:NationalPortal:Username and Connectors:NationalPortal:Password.",
                transient: true);
        }

        Log.LoggedIn(logger);
        return answer.Session;
    }

    public Task<PortalAnswer> SyncDossierAsync(PortalDossier dossier, bool isUpdating, CancellationToken cancellationToken) =>
        CallAsync(
            "integration",
            "DongBoHoSoMC",
            session => new SyncDossierRequest(session, options.Value.AgencyCode, isUpdating ? "True" : "False", [dossier]),
            Json.SyncDossierRequest,
            Json.PortalAnswer,
            cancellationToken);

    public Task<PortalAnswer> UpdateProgressAsync(PortalProgress progress, CancellationToken cancellationToken) =>
        CallAsync(
            "integration",
            "CapNhatTienDoHoSoMC",
            session => new UpdateProgressRequest(session, options.Value.AgencyCode, [progress]),
            Json.UpdateProgressRequest,
            Json.PortalAnswer,
            cancellationToken);

    public Task<CatalogueAnswer> GetCataloguePageAsync(int page, int pageSize, CancellationToken cancellationToken) =>
        CallAsync("share", "LayDanhSachTTHC", session => new CatalogueRequest(session, page, pageSize), Json.CatalogueRequest, Json.CatalogueAnswer, cancellationToken);

    public Task<AccountStatsAnswer> GetAccountStatsAsync(string locality, CancellationToken cancellationToken) =>
        CallAsync("share", "ThongKeTaiKhoan", session => new AccountStatsRequest(session, locality), Json.AccountStatsRequest, Json.AccountStatsAnswer, cancellationToken);

    private async Task<TAnswer> CallAsync<TRequest, TAnswer>(
        string path,
        string service,
        Func<string, TRequest> build,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TAnswer> answerType,
        CancellationToken cancellationToken)
        where TAnswer : PortalAnswer
    {
        var session = await sessions.GetAsync(LoginAsync, cancellationToken);
        var answer = await PostAsync(path, build(session), requestType, answerType, cancellationToken);
        if (answer.ErrorCode != PortalAnswer.SessionExpired)
        {
            return answer;
        }

        Log.SessionExpired(logger, service);
        session = await sessions.RenewAsync(session, LoginAsync, cancellationToken);
        answer = await PostAsync(path, build(session), requestType, answerType, cancellationToken);
        if (answer.ErrorCode == PortalAnswer.SessionExpired)
        {
            throw new UpstreamErrorException(Upstream, $"The portal rejected a session it had just issued ({service}, error -1).", transient: true);
        }

        return answer;
    }

    private async Task<TAnswer> PostAsync<TRequest, TAnswer>(
        string path,
        TRequest body,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TAnswer> answerType,
        CancellationToken cancellationToken)
        where TAnswer : PortalAnswer
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, requestType) };
        // Safe to send again after a lost answer or a 5xx: auth and share change nothing, and the portal
        // applies each (dossier, version) of an integration call once, answering 97 to a repeat, which
        // counts as delivered. A resend can therefore never apply a change twice.
        request.MarkSafeToRetry();
        using var response = await http.SendAsync(request, cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, Upstream);

        TAnswer? answer = null;
        try
        {
            answer = await response.Content.ReadFromJsonAsync(answerType, cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
        }

        // Not the adapter's answer (a proxy's error page, a wrong base URL): nothing says the item is at
        // fault, so it is retried rather than given up.
        return answer?.ErrorCode is null
            ? throw new UpstreamErrorException(Upstream, $"The portal answered {path} with HTTP {(int)response.StatusCode} and no error_code.", transient: true)
            : answer;
    }
}
