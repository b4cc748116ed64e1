using System.Net;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Refit;

namespace Integration.Connectors.Telco.Portability;

/// <summary>The portability lookup's answer (docs/upstreams.md, "Number portability lookup").</summary>
internal sealed record MnpNumber(string? Msisdn, string? Carrier, bool? Ported);

/// <summary>Where a number lives now: <see cref="Carrier"/> is null when no carrier has issued it.</summary>
internal sealed record NumberRoute(Carrier? Carrier, bool Ported);

/// <summary>The number portability lookup (docs/upstreams.md, "Number portability lookup").</summary>
internal interface IMnpApi
{
    [Get("/v1/numbers/{msisdn}")]
    Task<IApiResponse<MnpNumber>> LookupAsync(string msisdn, CancellationToken cancellationToken);
}

/// <summary>The number portability lookup: <c>GET {mnp}/v1/numbers/{msisdn}</c>; 404 means never issued.</summary>
internal sealed class MnpClient(IMnpApi api)
{
    public const string Upstream = "mnp";

    public async Task<NumberRoute> LookupAsync(PhoneNumber phone, CancellationToken cancellationToken)
    {
        using var response = await api.LookupAsync(phone.Msisdn, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new NumberRoute(null, false);
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        if (!response.IsSuccessStatusCode)
        {
            throw new UpstreamErrorException(Upstream, $"The portability lookup answered HTTP {(int?)response.StatusCode}.");
        }

        if (response.Error is { } error)
        {
            throw new UpstreamErrorException(Upstream, "The portability lookup answered with a body that is not the expected JSON.", inner: error.InnerException);
        }

        var body = response.Content;
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
