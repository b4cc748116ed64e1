using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Telco.Portability;

/// <summary>The portability lookup's answer (docs/upstreams.md, "Number portability lookup").</summary>
internal sealed record MnpNumber(string? Msisdn, string? Carrier, bool? Ported);

/// <summary>Where a number lives now: <see cref="Carrier"/> is null when no carrier has issued it.</summary>
internal sealed record NumberRoute(Carrier? Carrier, bool Ported);

/// <summary>The number portability lookup: <c>GET {mnp}/v1/numbers/{msisdn}</c>; 404 means never issued.</summary>
internal sealed class MnpClient(HttpClient http)
{
    public const string Upstream = "mnp";

    public async Task<NumberRoute> LookupAsync(PhoneNumber phone, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/numbers/" + phone.Msisdn, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new NumberRoute(null, false);
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"The portability lookup answered HTTP {(int)response.StatusCode}.");
        }

        MnpNumber? body;
        try
        {
            body = await response.Content.ReadFromJsonAsync(TelcoJsonContext.Default.MnpNumber, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new UpstreamErrorException(Upstream, "The portability lookup answered with a body that is not the expected JSON.", inner: ex);
        }

        var carrier = ParseCarrier(body?.Carrier)
            ?? throw new UpstreamErrorException(Upstream, "The portability lookup named no carrier this gateway knows.");
        return new NumberRoute(carrier, body!.Ported ?? carrier != phone.OriginalCarrier);
    }

    internal static Carrier? ParseCarrier(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        "VIETTEL" => Carrier.Viettel,
        "VINAPHONE" => Carrier.Vinaphone,
        "MOBIFONE" => Carrier.Mobifone,
        "VIETNAMOBILE" => Carrier.Vietnamobile,
        "GMOBILE" => Carrier.Gmobile,
        "ITEL" => Carrier.Itel,
        "REDDI" => Carrier.Reddi,
        _ => null,
    };
}
