using System.Net.Http.Headers;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.Lgsp;

/// <summary>
/// The LGSP bearer token C06 calls carry, for Core's credential handler: one per instance, fetched once
/// for all concurrent callers, kept until <see cref="LgspOptions.RefreshBeforeExpiry"/> before it expires,
/// renewed once when C06 answers 401.
/// </summary>
internal sealed class LgspTokenIssuer(
    IServiceProvider services,
    IOptions<IdentityOptions> options,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<LgspTokenIssuer> logger) : ICredentialIssuer
{
    public async Task<UpstreamCredential> IssueAsync(CancellationToken cancellationToken)
    {
        var client = services.GetRequiredService<LgspTokenClient>();
        var token = await telemetry.TrackAsync(IdentityServiceCollectionExtensions.Connector, "lgsp_token", client.RequestAsync, cancellationToken);
        var refreshAfter = RefreshAfter(token.Lifetime, options.Value.Lgsp.RefreshBeforeExpiry);
        Log.LgspTokenIssued(logger, token.Lifetime, refreshAfter);
        return new UpstreamCredential(token.AccessToken, time.GetUtcNow() + refreshAfter);
    }

    public void Apply(HttpRequestMessage request, string credential) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);

    public void OnRejected() => Log.LgspTokenRejected(logger);

    internal static TimeSpan RefreshAfter(TimeSpan lifetime, TimeSpan margin) =>
        lifetime > 2 * margin ? lifetime - margin : lifetime / 2;
}
