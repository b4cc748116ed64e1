using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Connectors.Linked.Lgsp;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Core.Resilience;

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

/// <summary>
/// JSON over HTTPS to one national system through the integration platform, with the LGSP bearer token
/// (fetched again once on 401). Every call carries <c>maHoSo</c>, by which the system answers a repeat with
/// 97 and the first result: sending again after a lost answer or a 5xx never applies an operation twice,
/// so the pipeline may retry these POSTs.
/// </summary>
internal abstract class LinkedApiClient(HttpClient http, LinkedLgspTokens tokens)
{
    public abstract string Upstream { get; }

    public async Task<LinkedAnswer> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var json = body.ToJsonString();
        var token = await tokens.GetAsync(cancellationToken);
        var response = await SendAsync(path, json, token, cancellationToken);
        try
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                tokens.Reject(token);
                token = await tokens.GetAsync(cancellationToken);
                response = await SendAsync(path, json, token, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    throw new UpstreamErrorException(Upstream, $"{Upstream} refused a fresh LGSP token (HTTP 401).", transient: true);
                }
            }

            UpstreamResponse.ThrowIfTransient(response, Upstream);
            JsonObject? answer = null;
            try
            {
                answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
            }
            catch (JsonException)
            {
            }

            var code = Text(answer, "maLoi");
            // Not the system's answer (a proxy's error page, a wrong base URL): nothing says the dossier is at
            // fault, so the step is tried again later rather than put to the officer.
            return code is null || answer is null
                ? throw new UpstreamErrorException(Upstream, $"{Upstream} answered {path} with HTTP {(int)response.StatusCode} and no maLoi.", transient: true)
                : new LinkedAnswer(code, Text(answer, "moTa"), answer);
        }
        finally
        {
            response.Dispose();
        }
    }

    internal static string? Text(JsonObject? node, string name) => node?[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue<decimal>(out var d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };

    private Task<HttpResponseMessage> SendAsync(string path, string json, string token, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.MarkSafeToRetry();
        return SendAndDisposeRequestAsync(request, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAndDisposeRequestAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            return await http.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Civil registry (hộ tịch điện tử): birth and death registration.</summary>
internal sealed class CivilRegistryClient(HttpClient http, LinkedLgspTokens tokens) : LinkedApiClient(http, tokens)
{
    public const string Name = "hotich";

    public override string Upstream => Name;
}

/// <summary>Residence (cư trú): permanent residence registration and removal.</summary>
internal sealed class ResidenceClient(HttpClient http, LinkedLgspTokens tokens) : LinkedApiClient(http, tokens)
{
    public const string Name = "cutru";

    public override string Upstream => Name;
}

/// <summary>Social insurance (BHXH): health-insurance cards for children under 6.</summary>
internal sealed class SocialInsuranceClient(HttpClient http, LinkedLgspTokens tokens) : LinkedApiClient(http, tokens)
{
    public const string Name = "bhxh";

    public override string Upstream => Name;
}

/// <summary>Social affairs (trợ cấp xã hội): the funeral allowance.</summary>
internal sealed class SocialAffairsClient(HttpClient http, LinkedLgspTokens tokens) : LinkedApiClient(http, tokens)
{
    public const string Name = "trocap";

    public override string Upstream => Name;
}
