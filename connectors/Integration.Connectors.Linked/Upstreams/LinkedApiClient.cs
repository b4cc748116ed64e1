using System.Net;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Refit;

namespace Integration.Connectors.Linked.Upstreams;

/// <summary>
/// What a national system answered: <c>maLoi</c> <c>00</c> done, <c>97</c> already done for this
/// <c>maHoSo</c> (same result fields), <c>99</c> transient, anything else a refusal with <c>moTa</c>.
/// </summary>
internal sealed record LinkedAnswer(string Code, string? Message, JsonObject Body)
{
    public bool Done => Code is "00" or "97";

    public bool Repeat => Code == "97";

    public bool Transient => Code == "99";
}

/// <summary>The four national systems, by their upstream names (docs/linked-procedures.md, "The national systems").</summary>
internal static class LinkedSystems
{
    /// <summary>Civil registry (hộ tịch điện tử): birth and death registration.</summary>
    public const string CivilRegistry = "hotich";

    /// <summary>Residence (cư trú): permanent residence registration and removal.</summary>
    public const string Residence = "cutru";

    /// <summary>Social insurance (BHXH): health-insurance cards for children under 6.</summary>
    public const string SocialInsurance = "bhxh";

    /// <summary>Social affairs (trợ cấp xã hội): the funeral allowance.</summary>
    public const string SocialAffairs = "trocap";
}

/// <summary>
/// One national system through the integration platform: JSON over HTTPS, with the connector's LGSP bearer
/// token. One interface, registered once per system under its upstream name; the step definitions name
/// the path (<c>api/khaisinh</c>, …).
/// </summary>
internal interface ILinkedSystemApi
{
    [Post("/{**path}")]
    Task<IApiResponse<JsonObject>> PostAsync(string path, [Body] JsonObject body, CancellationToken cancellationToken);
}

/// <summary>The bodies the national systems take and give: free JSON objects, read and written as they are.</summary>
[JsonSerializable(typeof(JsonObject))]
internal sealed partial class LinkedSystemsJsonContext : JsonSerializerContext;

/// <summary>
/// Calls one national system and reads its answer. The LGSP token is put on the request, and fetched again
/// once on 401, by Core's credential handler. Every call carries <c>maHoSo</c>, by which the system answers a
/// repeat with 97 and the first result: sending again after a lost answer or a 5xx never applies an
/// operation twice, so the systems' clients are registered safe to retry.
/// </summary>
internal sealed class LinkedApiClient(string upstream, ILinkedSystemApi api)
{
    public string Upstream => upstream;

    public async Task<LinkedAnswer> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var response = await api.PostAsync(path, body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new UpstreamErrorException(Upstream, $"{Upstream} refused a fresh LGSP token (HTTP 401).", transient: true);
        }

        UpstreamResponse.ThrowIfTransient(response, Upstream);
        var answer = response.Error is null ? response.Content : null;
        var code = Text(answer, "maLoi");
        // Not the system's answer (a proxy's error page, a wrong base URL): nothing says the dossier is at
        // fault, so the step is tried again later rather than put to the officer.
        return code is null || answer is null
            ? throw new UpstreamErrorException(Upstream, $"{Upstream} answered {path} with HTTP {(int?)response.StatusCode} and no maLoi.", transient: true)
            : new LinkedAnswer(code, Text(answer, "moTa"), answer);
    }

    internal static string? Text(JsonObject? node, string name) => node?[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<decimal>(out var d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
