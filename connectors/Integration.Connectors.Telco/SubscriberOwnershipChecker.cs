using Integration.Connectors.Telco.Carriers;
using Integration.Connectors.Telco.Portability;
using Integration.Core.Audit;
using Integration.Core.Caching;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco;

/// <summary>
/// Route (portability lookup, or the prefix table when the lookup fails), then the current carrier's
/// ownership service. Both answers are cached separately, so the route of a number is shared by every
/// citizen checked against it, and a route taken by prefix is never kept as if the lookup had said so.
/// </summary>
internal sealed class SubscriberOwnershipChecker(
    MnpClient mnp,
    ViettelClient viettel,
    VnptClient vnpt,
    MobifoneClient mobifone,
    ConnectorCache cache,
    ConnectorTelemetry telemetry,
    AuditLog audit,
    IOptions<TelcoOptions> options,
    TimeProvider time,
    ILogger<SubscriberOwnershipChecker> logger) : ISubscriberOwnershipChecker
{
    public const string Connector = "Telco";
    public const string AuditAction = "subscriber_check";
    public const string PortabilityOperation = "portability_lookup";
    public const string OwnershipOperation = "ownership_check";

    private readonly TelcoOptions _options = options.Value;

    public IReadOnlyList<FieldError> Validate(SubscriberCheckRequest request, string? purposeHeader)
    {
        ArgumentNullException.ThrowIfNull(request);
        SubscriberQuery.Parse(request, purposeHeader, VietnamTime.Today(time), out var errors);
        return errors;
    }

    public async Task<Result<SubscriberCheckResult, TelcoError>> CheckAsync(SubscriberCheckRequest request, string? purposeHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var query = SubscriberQuery.Parse(request, purposeHeader, VietnamTime.Today(time), out var errors);
        if (query is null)
        {
            return new TelcoError.Invalid(errors);
        }

        var (phone, idNumber, purpose) = query;

        var subjectMasked = $"{idNumber.Masked} {phone.Masked}";
        SubscriberCheckResult result;
        try
        {
            result = await CheckCoreAsync(phone, idNumber, cancellationToken);
        }
        catch (UpstreamException ex)
        {
            audit.RecordLookup(AuditAction, Connector, purpose.Value, idNumber.Value, subjectMasked, "failed:" + ex.Code);
            Log.CarrierFailed(logger, ex.Upstream, phone.Masked, ex.Code);
            throw WithRemediation(ex);
        }

        // The answer carries personal data: its audit row is committed first (or the caller gets 503 store_unavailable).
        await audit.RecordLookupAsync(AuditAction, Connector, purpose.Value, idNumber.Value, subjectMasked, AuditResult(result), cancellationToken);
        return result;
    }

    private async Task<SubscriberCheckResult> CheckCoreAsync(PhoneNumber phone, CitizenIdNumber idNumber, CancellationToken cancellationToken)
    {
        var (route, routedBy, routeCached) = await RouteAsync(phone, cancellationToken);
        var routeStale = routeCached?.Stale ?? false;
        if (route.Carrier is not { } carrier)
        {
            return new SubscriberCheckResult(
                phone.E164, null, null, SubscriberOwnership.Unregistered, routedBy, null, null, TelcoRemediation.NeverIssued,
                routeCached!.Source, routeStale, InVietnam(routeCached.FetchedAt));
        }

        var ported = routedBy == SubscriberRouting.Portability ? route.Ported : (bool?)null;
        Func<CancellationToken, Task<CarrierAnswer>>? ask = carrier switch
        {
            Carrier.Viettel => ct => viettel.CheckAsync(phone, idNumber, ct),
            Carrier.Vinaphone => ct => vnpt.CheckAsync(phone, idNumber, ct),
            Carrier.Mobifone => ct => mobifone.CheckAsync(phone, idNumber, ct),
            _ => null,
        };
        if (ask is null)
        {
            return new SubscriberCheckResult(
                phone.E164, carrier, ported, SubscriberOwnership.Unknown, routedBy, null, UnknownOwnershipReason.NoOwnershipService,
                TelcoRemediation.NoOwnershipService(carrier), routeCached?.Source ?? CacheSource.Upstream, routeStale,
                InVietnam(routeCached?.FetchedAt ?? time.GetUtcNow()));
        }

        var answer = await telemetry.TrackAsync(
            Connector,
            OwnershipOperation,
            ct => cache.GetOrFetchAsync(
                new CachePolicy(Connector, OwnershipOperation, _options.CacheTtl, _options.StaleTtl),
                $"{carrier}|{phone.Msisdn}|{idNumber.Value}",
                ask,
                TelcoJsonContext.Default.CarrierAnswer,
                ct),
            cancellationToken);

        var (ownership, reason, remediation) = (answer.Value.Ownership, routedBy) switch
        {
            (SubscriberOwnership.Owner, _) => (SubscriberOwnership.Owner, (UnknownOwnershipReason?)null,
                answer.Value.Status == SubscriberStatus.Suspended ? TelcoRemediation.Suspended(carrier) : null),
            (SubscriberOwnership.NotOwner, _) => (SubscriberOwnership.NotOwner, null, TelcoRemediation.NotOwner(carrier)),
            // The prefix's carrier not knowing the number says little when the number may have been ported away.
            (SubscriberOwnership.Unregistered, SubscriberRouting.PrefixFallback) => (SubscriberOwnership.Unknown,
                UnknownOwnershipReason.PortabilityUnavailable, TelcoRemediation.PortabilityUnavailable(carrier)),
            _ => (SubscriberOwnership.Unregistered, null, TelcoRemediation.Unregistered(carrier)),
        };

        return new SubscriberCheckResult(
            phone.E164, carrier, ported, ownership, routedBy, answer.Value.Status, reason, remediation,
            answer.Source, routeStale || answer.Stale, InVietnam(answer.FetchedAt));
    }

    private async Task<(NumberRoute Route, SubscriberRouting By, CachedValue<NumberRoute>? Cached)> RouteAsync(PhoneNumber phone, CancellationToken cancellationToken)
    {
        try
        {
            var cached = await telemetry.TrackAsync(
                Connector,
                PortabilityOperation,
                ct => cache.GetOrFetchAsync(
                    new CachePolicy(Connector, PortabilityOperation, _options.CacheTtl, _options.StaleTtl),
                    phone.Msisdn,
                    _ => LookupWithinBudgetAsync(phone),
                    TelcoJsonContext.Default.NumberRoute,
                    ct),
                cancellationToken);
            return (cached.Value, SubscriberRouting.Portability, cached);
        }
        catch (UpstreamException ex)
        {
            Log.RoutedByPrefix(logger, ex.Code, phone.OriginalCarrier, phone.Masked);
            return (new NumberRoute(phone.OriginalCarrier, false), SubscriberRouting.PrefixFallback, null);
        }
    }

    /// <summary>
    /// The lookup only saves a wrong turn, so it gets <see cref="MnpOptions.Timeout"/> rather than the
    /// connector's whole time budget: a lookup that is down costs seconds, not the total timeout.
    /// </summary>
    private async Task<NumberRoute> LookupWithinBudgetAsync(PhoneNumber phone)
    {
        using var budget = new CancellationTokenSource(_options.Mnp.Timeout, time);
        try
        {
            return await mnp.LookupAsync(phone, budget.Token);
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested)
        {
            throw new UpstreamTimeoutException(MnpClient.Upstream, ex);
        }
    }

    private static DateTimeOffset InVietnam(DateTimeOffset value) => value.ToOffset(Core.Hosting.VietnamTime.Offset);

    private static string AuditResult(SubscriberCheckResult result)
    {
        var ownership = result.Ownership switch
        {
            SubscriberOwnership.Owner => "owner",
            SubscriberOwnership.NotOwner => "not_owner",
            SubscriberOwnership.Unregistered => "unregistered",
            _ => "unknown",
        };
        return result.Stale ? ownership + ":stale" : ownership;
    }

    /// <summary>The same failure, with the desk's Vietnamese text.</summary>
    private static UpstreamException WithRemediation(UpstreamException ex)
    {
        if (ex.Remediation is not null)
        {
            return ex;
        }

        var text = ex.Transient ? TelcoRemediation.CarrierUnavailable(ex.Upstream) : TelcoRemediation.CarrierError(ex.Upstream);
        return ex switch
        {
            UpstreamTimeoutException => new UpstreamTimeoutException(ex.Upstream, ex) { Remediation = text, RetryAfter = ex.RetryAfter },
            UpstreamUnavailableException => new UpstreamUnavailableException(ex.Upstream, ex.Detail, ex) { Remediation = text, RetryAfter = ex.RetryAfter },
            UpstreamErrorException => new UpstreamErrorException(ex.Upstream, ex.Detail ?? ex.Title, ex.Transient, ex) { Remediation = text, RetryAfter = ex.RetryAfter },
            _ => ex,
        };
    }
}
