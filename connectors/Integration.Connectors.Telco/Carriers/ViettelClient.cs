using System.Net;
using Integration.Core.Http;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.Options;
using Refit;

namespace Integration.Connectors.Telco.Carriers;

internal sealed record ViettelOwnershipRequest(string RequestId, string Msisdn, string IdNumber);

internal sealed record ViettelOwnershipResponse(string? ErrorCode, string? Result, string? Message);

/// <summary>
/// Viettel's ownership service (docs/upstreams.md, "Carriers", "Viettel"): <c>POST v1/subscribers/ownership</c>
/// with <c>X-Partner-Key</c>. A read-only check, so it is registered safe to retry; its 429 carries
/// <c>Retry-After</c>, which the pipeline honours.
/// </summary>
internal interface IViettelApi
{
    [Post("/v1/subscribers/ownership")]
    Task<IApiResponse<ViettelOwnershipResponse>> CheckOwnershipAsync(
        [Header("X-Partner-Key")] string partnerKey, [Body] ViettelOwnershipRequest request, CancellationToken cancellationToken);
}

/// <summary>Gives Viettel's answers their meaning: its <c>errorCode</c> and <c>result</c>.</summary>
internal sealed class ViettelClient(IViettelApi api, IOptions<TelcoOptions> options)
{
    public const string Upstream = "viettel";

    public async Task<CarrierAnswer> CheckAsync(PhoneNumber phone, CitizenIdNumber idNumber, CancellationToken cancellationToken)
    {
        using var response = await api.CheckOwnershipAsync(
            options.Value.Viettel.PartnerKey!,
            new ViettelOwnershipRequest(Guid.CreateVersion7().ToString("N"), phone.Msisdn, idNumber.Value),
            cancellationToken);
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UpstreamErrorException(Upstream, $"Viettel refused the gateway's partner key (HTTP {(int?)response.StatusCode}); check Connectors:Telco:Viettel:PartnerKey.");
        }

        if (response.Error is { } error)
        {
            throw new UpstreamErrorException(Upstream, $"Viettel answered HTTP {(int?)response.StatusCode} with a body that is not the expected JSON.", inner: error.InnerException);
        }

        var body = response.Content;
        return body?.ErrorCode?.Trim() switch
        {
            "0" => body.Result?.Trim().ToUpperInvariant() switch
            {
                "MATCH" => new CarrierAnswer(SubscriberOwnership.Owner),
                "NOT_MATCH" => new CarrierAnswer(SubscriberOwnership.NotOwner),
                "NOT_FOUND" => new CarrierAnswer(SubscriberOwnership.Unregistered),
                _ => throw new UpstreamErrorException(Upstream, "Viettel answered errorCode 0 with a result this gateway does not know."),
            },
            // A rate limit announced in the body of a non-429 answer: as transient as the HTTP one.
            "429" => throw new UpstreamUnavailableException(Upstream, "Viettel is limiting the gateway's request rate (errorCode 429)."),
            null => throw new UpstreamErrorException(Upstream, $"Viettel answered HTTP {(int?)response.StatusCode} without an errorCode."),
            var code => throw new UpstreamErrorException(Upstream, $"Viettel answered errorCode {Safe(code)}: {Safe(body.Message)}"),
        };
    }

    private static string Safe(string? text)
    {
        var masked = PersonalDataMask.Text(text);
        return masked.Length <= 200 ? masked : masked[..200] + "…";
    }
}
