using System.Text;
using System.Text.Json.Nodes;

namespace Integration.Testing.Servers;

/// <summary>One request as WireMock's request journal logged it.</summary>
public sealed record WireMockRequest
{
    /// <summary>HTTP method, upper case.</summary>
    public required string Method { get; init; }

    /// <summary>Path and query as received, e.g. <c>/c06/api/citizens?x=1</c>.</summary>
    public required string Url { get; init; }

    /// <summary>The absolute URL as received.</summary>
    public string? AbsoluteUrl { get; init; }

    /// <summary>Request headers, names compared case-insensitively.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Headers { get; init; }

    /// <summary>The body decoded as UTF-8 (empty when there was none).</summary>
    public required string Body { get; init; }

    /// <summary>The body's raw bytes.</summary>
    public required byte[] BodyBytes { get; init; }

    /// <summary>When WireMock logged the request.</summary>
    public required DateTimeOffset LoggedDate { get; init; }

    /// <summary>Whether a stub matched (known only for <see cref="WireMockServer.GetAllRequestsAsync"/>).</summary>
    public bool? WasMatched { get; init; }

    /// <summary>The first value of a header, or null.</summary>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>The body parsed as JSON (throws when it is not JSON).</summary>
    public JsonNode? BodyAsJson() => string.IsNullOrEmpty(Body) ? null : JsonNode.Parse(Body);

    internal static WireMockRequest Parse(JsonObject request, bool? wasMatched)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        if (request["headers"] is JsonObject headerObject)
        {
            foreach (var (name, value) in headerObject)
            {
                headers[name] = value switch
                {
                    JsonArray array => array.Select(v => v?.ToString() ?? string.Empty).ToList(),
                    null => [],
                    _ => [value.ToString()],
                };
            }
        }

        byte[] bodyBytes;
        var base64 = request["bodyAsBase64"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(base64))
        {
            bodyBytes = Convert.FromBase64String(base64);
        }
        else
        {
            bodyBytes = Encoding.UTF8.GetBytes(request["body"]?.GetValue<string>() ?? string.Empty);
        }

        var loggedDate = request["loggedDate"] is JsonValue dateValue && dateValue.TryGetValue<long>(out var millis)
            ? DateTimeOffset.FromUnixTimeMilliseconds(millis)
            : DateTimeOffset.MinValue;

        return new WireMockRequest
        {
            Method = request["method"]?.GetValue<string>() ?? string.Empty,
            Url = request["url"]?.GetValue<string>() ?? string.Empty,
            AbsoluteUrl = request["absoluteUrl"]?.GetValue<string>(),
            Headers = headers,
            Body = Encoding.UTF8.GetString(bodyBytes),
            BodyBytes = bodyBytes,
            LoggedDate = loggedDate,
            WasMatched = wasMatched,
        };
    }
}
