using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Core.Http;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// The adapter session for Core's credential handler: one login shared by every call of this instance,
/// written into each request body as <c>session</c>, kept until the adapter answers <c>error_code</c>
/// <c>-1</c>; then one caller logs in again while the others wait for (and reuse) its new session.
/// </summary>
internal sealed class PortalSession(IServiceProvider services, IOptions<NationalPortalOptions> options, ILogger<PortalSession> logger) : ICredentialIssuer
{
    private static readonly HttpRequestOptionsKey<string> MethodName = new(HttpRequestMessageOptions.MethodName);

    /// <summary>Logs in and returns a new session; also the probe's call, whose session is then thrown away.</summary>
    public async Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var response = await services.GetRequiredService<IPortalAuthApi>().LoginAsync(new PortalAuthRequest(o.Username, o.Password), cancellationToken);
        var answer = PortalClient.Read(response, "auth");
        if (!answer.Succeeded || string.IsNullOrEmpty(answer.Session))
        {
            // Transient for the outbox: once an operator fixes the account, queued items go through.
            throw new UpstreamErrorException(
                PortalClient.Upstream,
                $"The portal refused the gateway's login (error {answer.ErrorCode}: {answer.Message}). Check Connectors:NationalPortal:Username and Connectors:NationalPortal:Password.",
                transient: true);
        }

        Log.LoggedIn(logger);
        return UpstreamCredential.UntilRejected(answer.Session);
    }

    /// <summary>Writes the session into the JSON body (the adapter takes it there, not in a header).</summary>
    public async ValueTask ApplyAsync(HttpRequestMessage request, string credential, CancellationToken cancellationToken)
    {
        var body = request.Content is null
            ? []
            : JsonSerializer.Deserialize(await request.Content.ReadAsByteArrayAsync(cancellationToken), PortalJsonContext.Default.JsonObject) ?? [];
        body["session"] = credential;
        request.Content = JsonContent.Create(body, PortalJsonContext.Default.JsonObject);
    }

    /// <summary>
    /// The adapter says an expired session with <c>error_code</c> <c>-1</c> in an otherwise ordinary answer. The
    /// answer is buffered (the resilience pipeline read it within the attempt): its bytes are read here and
    /// again by the client, where a read stream could be consumed only once.
    /// </summary>
    public async ValueTask<bool> IsRejectedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var answer = JsonSerializer.Deserialize(await response.Content.ReadAsByteArrayAsync(cancellationToken), PortalJsonContext.Default.PortalAnswer);
            return answer?.ErrorCode == PortalAnswer.SessionExpired;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public void OnRejected(HttpRequestMessage request) =>
        Log.SessionExpired(logger, request.Options.TryGetValue(MethodName, out var method) ? method : "a call");
}
