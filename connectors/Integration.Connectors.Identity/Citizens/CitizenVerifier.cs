using Integration.Core.Audit;
using Integration.Core.Caching;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.Citizens;

/// <summary>
/// Local checks, then the cache, then C06; one audit record per lookup, whatever its outcome (a
/// request refused by the local checks looked nothing up and is not audited). An answer is returned only
/// once its audit row is committed; a failed lookup's row is queued. The C06 client (a typed HTTP client, built
/// with its handler pipeline each time it is resolved) is resolved only when the cache misses, not for every hit.
/// </summary>
internal sealed class CitizenVerifier(
    IServiceProvider services,
    ConnectorCache cache,
    ConnectorTelemetry telemetry,
    AuditLog audit,
    CallerContext caller,
    IOptions<IdentityOptions> options,
    TimeProvider time) : ICitizenVerifier
{
    public const string Operation = "citizen_verify";

    public IReadOnlyList<FieldError> Validate(CitizenVerificationRequest request, string? purposeHeader)
    {
        ArgumentNullException.ThrowIfNull(request);
        CitizenQuery.Parse(request, purposeHeader, VietnamTime.Today(time), out var errors);
        return errors;
    }

    public async Task<Result<CitizenVerification, IdentityError>> VerifyAsync(CitizenVerificationRequest request, string? purposeHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = CitizenQuery.Parse(request, purposeHeader, VietnamTime.Today(time), out var errors);
        if (query is null)
        {
            return new IdentityError.Invalid(errors);
        }

        var o = options.Value.C06;
        var policy = new CachePolicy(IdentityServiceCollectionExtensions.Connector, Operation, o.CacheTtl, o.StaleTtl);
        var officer = caller.ClientName;
        CachedValue<C06Answer> answer;
        try
        {
            answer = await telemetry.TrackAsync(
                IdentityServiceCollectionExtensions.Connector,
                Operation,
                ct => cache.GetOrFetchAsync(policy, query.CacheKey, fetch => services.GetRequiredService<C06Client>().CheckAsync(query, officer, fetch), IdentityJsonContext.Default.C06Answer, ct),
                cancellationToken);
        }
        catch (GatewayProblemException ex)
        {
            Audit(query, ex.Code);
            throw;
        }

        var value = answer.Value;
        // The answer carries personal data: its audit row is committed first (or the caller gets 503 store_unavailable).
        await audit.RecordLookupAsync(Operation, IdentityServiceCollectionExtensions.Connector, query.Purpose.Value, query.Id.Value, query.Id.Masked,
            ResultName(value.Result), cancellationToken);
        return new CitizenVerification(
            value.Result,
            value.MismatchedFields,
            value.IdentityLevel,
            answer.Source,
            answer.Stale,
            query.Id.Masked,
            answer.FetchedAt);
    }

    private void Audit(CitizenQuery query, string result) =>
        audit.RecordLookup(Operation, IdentityServiceCollectionExtensions.Connector, query.Purpose.Value, query.Id.Value, query.Id.Masked, result);

    private static string ResultName(CitizenMatch result) => result switch
    {
        CitizenMatch.Match => "match",
        CitizenMatch.Mismatch => "mismatch",
        _ => "not_found",
    };
}
