using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Core.Http;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Telco.Carriers;

internal sealed record VnptOwnershipResponse(string? MaLoi, VnptOwnershipData? DuLieu, string? MoTa);

internal sealed record VnptOwnershipData(bool? ChinhChu, string? TrangThai);

/// <summary>
/// VinaPhone's (VNPT) ownership service:
/// <c>GET api/thuebao/{msisdn}/chinhchu?soGiayTo=</c> with VNPT's own bearer token, which Core's credential
/// handler (<see cref="VnptTokenIssuer"/>) puts on the request and renews once when VNPT answers 401.
/// </summary>
internal sealed class VnptClient(HttpClient http)
{
    public const string Upstream = "vnpt";

    public async Task<CarrierAnswer> CheckAsync(PhoneNumber phone, CitizenIdNumber idNumber, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/thuebao/{phone.Msisdn}/chinhchu?soGiayTo={Uri.EscapeDataString(idNumber.Value)}");
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new UpstreamErrorException(Upstream, "VNPT refused a freshly issued token (HTTP 401).");
        }

        return await ReadAsync(response, cancellationToken);
    }

    private static async Task<CarrierAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        UpstreamResponse.ThrowIfTransient(response, Upstream);
        VnptOwnershipResponse? body = null;
        try
        {
            // maLoi 01 (not found) may come with HTTP 404: read the body whatever the status.
            if (response.Content.Headers.ContentLength != 0)
            {
                body = await response.Content.ReadFromJsonAsync(TelcoJsonContext.Default.VnptOwnershipResponse, cancellationToken);
            }
        }
        catch (JsonException ex)
        {
            throw new UpstreamErrorException(Upstream, $"VNPT answered HTTP {(int)response.StatusCode} with a body that is not the expected JSON.", inner: ex);
        }

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
                throw new UpstreamErrorException(Upstream, $"VNPT answered HTTP {(int)response.StatusCode} without a maLoi.");
            case var code:
                var message = PersonalDataMask.Text(body.MoTa);
                throw new UpstreamErrorException(Upstream, $"VNPT answered maLoi {PersonalDataMask.Text(code)}{(message.Length > 0 ? ": " + message[..Math.Min(message.Length, 200)] : "")}.");
        }
    }
}
