using System.Net;
using Integration.Core.Http;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Refit;

namespace Integration.Connectors.Telco.Carriers;

internal sealed record VnptOwnershipResponse(string? MaLoi, VnptOwnershipData? DuLieu, string? MoTa);

internal sealed record VnptOwnershipData(bool? ChinhChu, string? TrangThai);

/// <summary>
/// VinaPhone's (VNPT) ownership service: <c>GET api/thuebao/{msisdn}/chinhchu?soGiayTo=</c> with VNPT's own
/// bearer token, which Core's credential handler puts on the request and renews once when VNPT answers 401
/// (<see cref="TelcoServiceCollectionExtensions.VnptToken"/>).
/// </summary>
internal interface IVnptApi
{
    [Get("/api/thuebao/{msisdn}/chinhchu")]
    Task<IApiResponse<VnptOwnershipResponse>> CheckOwnershipAsync(string msisdn, [AliasAs("soGiayTo")] string idNumber, CancellationToken cancellationToken);
}

/// <summary>Gives VNPT's answers their meaning: its <c>maLoi</c>, <c>chinhChu</c> and <c>trangThai</c>.</summary>
internal sealed class VnptClient(IVnptApi api)
{
    public const string Upstream = "vnpt";

    public async Task<CarrierAnswer> CheckAsync(PhoneNumber phone, CitizenIdNumber idNumber, CancellationToken cancellationToken)
    {
        using var response = await api.CheckOwnershipAsync(phone.Msisdn, idNumber.Value, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new UpstreamErrorException(Upstream, "VNPT refused a freshly issued token (HTTP 401).");
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);

        // maLoi 01 (not found) may come with HTTP 404: the body is read whatever the status.
        if (response.Error is { } error)
        {
            throw new UpstreamErrorException(Upstream, $"VNPT answered HTTP {(int?)response.StatusCode} with a body that is not the expected JSON.", inner: error.InnerException);
        }

        var body = response.Content;
        switch (body?.MaLoi?.Trim())
        {
            case "00" when body.DuLieu?.ChinhChu is { } owner:
                var status = body.DuLieu.TrangThai?.Trim().ToUpperInvariant() switch
                {
                    "HOAT_DONG" => SubscriberStatus.Active,
                    "TAM_KHOA" => SubscriberStatus.Suspended,
                    _ => (SubscriberStatus?)null,
                };
                return new CarrierAnswer(owner ? SubscriberOwnership.Owner : SubscriberOwnership.NotOwner, status);
            case "00":
                throw new UpstreamErrorException(Upstream, "VNPT answered maLoi 00 without duLieu.chinhChu.");
            case "01":
                return new CarrierAnswer(SubscriberOwnership.Unregistered);
            case null:
                throw new UpstreamErrorException(Upstream, $"VNPT answered HTTP {(int?)response.StatusCode} without a maLoi.");
            case var code:
                var message = PersonalDataMask.Text(body.MoTa);
                throw new UpstreamErrorException(Upstream, $"VNPT answered maLoi {PersonalDataMask.Text(code)}{(message.Length > 0 ? ": " + message[..Math.Min(message.Length, 200)] : "")}.");
        }
    }
}
