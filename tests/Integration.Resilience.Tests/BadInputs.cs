using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Integration.Resilience.Tests;

/// <summary>One route of the gateway as its endpoint metadata and its OpenAPI operation describe it.</summary>
internal sealed record RouteInfo(
    string Pattern,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> RouteParameters,
    bool Anonymous,
    IReadOnlyList<string> QueryParameters,
    IReadOnlyList<string> HeaderParameters,
    IReadOnlyList<BodyProperty>? BodyProperties,
    bool AnyMethod = false)
{
    public bool TakesBody => Methods.Any(m => m is "POST" or "PUT" or "PATCH");

    public override string ToString() => $"{string.Join("|", Methods)} {Pattern}";

    /// <summary>Every route endpoint (including those left out of the OpenAPI document), with what the document says of its inputs.</summary>
    public static List<RouteInfo> Discover(EndpointDataSource endpoints, JsonNode openApi)
    {
        var routes = new List<RouteInfo>();
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            if (!pattern.StartsWith('/'))
            {
                pattern = "/" + pattern;
            }

            var declared = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.ToList();
            var methods = declared is { Count: > 0 } ? declared : ["GET"];
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null
                            || !endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Any();
            var path = pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
            var query = new List<string>();
            var headers = new List<string>();
            List<BodyProperty>? body = null;
            foreach (var method in methods)
            {
                if (openApi["paths"]?[path]?[method.ToLowerInvariant()] is not JsonObject operation)
                {
                    continue;
                }

                foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
                {
                    var name = parameter!["name"]!.GetValue<string>();
                    switch (parameter["in"]!.GetValue<string>())
                    {
                        case "query":
                            query.Add(name);
                            break;
                        case "header":
                            headers.Add(name);
                            break;
                    }
                }

                if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is JsonNode schema)
                {
                    body = BodyProperty.From(openApi, schema, depth: 0);
                }
            }

            routes.Add(new RouteInfo(pattern, methods, endpoint.RoutePattern.Parameters.Select(p => p.Name).ToList(), anonymous,
                query.Distinct().ToList(), headers.Distinct().ToList(), body, AnyMethod: declared is not { Count: > 0 }));
        }

        return routes;
    }
}

/// <summary>A property of a request body; <see cref="Children"/> when it is an object.</summary>
internal sealed record BodyProperty(string Name, IReadOnlyList<BodyProperty>? Children)
{
    public static List<BodyProperty>? From(JsonNode document, JsonNode schema, int depth)
    {
        var resolved = Resolve(document, schema);
        if (resolved?["properties"] is not JsonObject properties || depth > 3)
        {
            return null;
        }

        return properties.Select(p => new BodyProperty(p.Key, From(document, p.Value!, depth + 1))).ToList();
    }

    private static JsonNode? Resolve(JsonNode document, JsonNode? schema)
    {
        for (var i = 0; i < 10 && schema is not null; i++)
        {
            if (schema["$ref"]?.GetValue<string>() is { } reference)
            {
                schema = reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate<string, JsonNode?>(document, (n, s) => n?[s]);
            }
            else if (schema["oneOf"] is JsonArray oneOf)
            {
                schema = oneOf.FirstOrDefault(s => s?["type"]?.ToString() != "null");
            }
            else
            {
                return schema;
            }
        }

        return schema;
    }
}

/// <summary>One hostile request.</summary>
internal sealed record BadInputCase(
    string Kind,
    RouteInfo Route,
    string Method,
    string Path,
    string Query,
    byte[]? Body,
    string? ContentType,
    IReadOnlyDictionary<string, string> Headers,
    bool WithApiKey,
    bool SetsInput,
    bool Chunked = false)
{
    public override string ToString()
    {
        var body = Body is null ? "" : " body " + Api.Shorten(Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 160)))) + (Body.Length > 160 ? $"… ({Body.Length} bytes)" : "");
        return $"[{Kind}] {Method} {Api.Shorten(Path)}{Api.Shorten(Query)}{(ContentType is null ? "" : " (" + ContentType + ")")}{body}";
    }
}

/// <summary>
/// Generates malformed, oversized, wrongly typed, wrongly encoded and hostile requests for every route. Every case is
/// invalid by construction: paths name nothing that exists, bodies put unusable values in every field or leave required
/// fields out, query parameters the route declares get hostile values. Only cases that set no input the route reads
/// (garbage query parameters on a route without inputs) may legitimately succeed.
/// </summary>
internal static class BadInputs
{
    /// <summary>Larger than the gateway's 64 KiB body limit.</summary>
    public const int Oversized = 100 * 1024;

    /// <summary>Plausible but naming nothing that exists; used where a case attacks another part of the request.</summary>
    public const string Filler = "BAD-INPUT-0001";

    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Hostile strings: injections, traversal, control and odd Unicode characters, number-like text, long text.</summary>
    public static readonly string[] HostileStrings =
    [
        "", " ", "\t\t", "null", "undefined", "NaN", "-Infinity", "-1", "0", "-0", "1e400", "99999999999999999999999999",
        "' OR '1'='1' --", "'; DROP TABLE payments; --", "\" OR \"\"=\"", "1; SELECT pg_sleep(10)", "admin'/*",
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "${jndi:ldap://127.0.0.1/x}",
        "{{7*7}}", "../../../../etc/passwd", "..\\..\\windows\\win.ini", "%00", "\0", "a\0b", "\u0001\u0002\u001f\u007f",
        "\r\nSet-Cookie: a=1", "\u202eevil", "\uFEFF", "😀😀😀", "\ud800", "Nguyễn\u0300\u0301\u0302", new string('A', 10_000), new string('9', 400),
    ];

    /// <summary>Hostile JSON values (raw JSON text) for body fields, beyond the strings above.</summary>
    public static readonly string[] HostileJsonValues =
    [
        "null", "0", "-1", "-9223372036854775809", "18446744073709551616", "1e400", "-1e400", "1.5", "1e-400", "true", "false",
        "[]", "[1,2,3]", "{}", "{\"$ref\":\"#\"}", "[{\"a\":null}]", Nested('[', ']', 1000), Nested('{', '}', 200, "\"a\":"),
    ];

    private static readonly string[] PathValues =
    [
        "..", "../..", "../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f", "\0", "%00", "a%00b", "%ff%fe", "\uFFFD",
        new string('a', 5000), "' OR 1=1--", "<script>alert(1)</script>", " ", "-1", "99999999999999999999999999", "null", "CON",
        "😀", "Đ\u0300", "x;drop table payments", "{id}", "*", "~", "\u202e",
    ];

    private static readonly string[] GarbageQueries =
    [
        "?%ff%fe=%00%01", "?a=1&a=2&a[]=3&a[x]=4", "?x=" + new string('y', 10_000), "?%zz=%&=&&==", "?<script>alert(1)</script>",
        "?limit=-1&limit=NaN", "?returnUrl=javascript:alert(1)", "?returnUrl=https://evil.example/", "?returnUrl=//evil.example/x",
        "?returnUrl=https://one-stop.example.gov.vn.evil.example/", "?state=%27%20OR%201=1--&code=x", "?state=%00&code=%00&error=%00",
        "?vnp_SecureHash=00&vnp_TxnRef=1&vnp_Amount=-1", "?vnp_TxnRef=%27%3B--&vnp_SecureHashType=MD5", "?query=%00", "?locality=%27%20OR%201=1",
        "?" + string.Join("&", Enumerable.Range(0, 500).Select(i => $"p{i}={i}")),
    ];

    private static readonly (string ContentType, string Body)[] WrongContent =
    [
        ("text/plain", "{}"), ("application/x-www-form-urlencoded", "idNumber=001085012345&amount=1"), ("application/xml", "<a><b>1</b></a>"),
        ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"),
        ("application/json; charset=utf-16", "{}"), ("application/json; charset=nonsense", "{}"), ("application/json-patch+json", "[]"),
        ("*/*", "{}"), ("image/png", "\u0089PNG\r\n"), ("APPLICATION/JSON", "{}"),
    ];

    public static List<BadInputCase> For(IReadOnlyList<RouteInfo> routes)
    {
        var cases = new List<BadInputCase>();
        foreach (var group in routes.Where(r => !r.AnyMethod).GroupBy(r => r.Pattern))
        {
            var taken = group.SelectMany(r => r.Methods).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH" }.Where(m => !taken.Contains(m)))
            {
                cases.Add(Case("wrong-method", group.First(), method: method, body: "{}"u8.ToArray(), contentType: "application/json", setsInput: true));
            }
        }

        foreach (var route in routes)
        {
            cases.AddRange(PathParameters(route));
            cases.AddRange(Queries(route));
            cases.AddRange(Headers(route));
            if (route.TakesBody)
            {
                cases.AddRange(Bodies(route));
            }

            if (!route.Anonymous)
            {
                cases.Add(Case("no-api-key", route, query: "?" + Uri.EscapeDataString(HostileStrings[12]), withKey: false, setsInput: true));
            }
        }

        return cases;
    }

    private static IEnumerable<BadInputCase> PathParameters(RouteInfo route)
    {
        foreach (var parameter in route.RouteParameters)
        {
            foreach (var value in PathValues)
            {
                yield return Case("path:" + parameter, route, path: Fill(route, parameter, value),
                    body: route.TakesBody ? "{}"u8.ToArray() : null, contentType: route.TakesBody ? "application/json" : null, setsInput: true);
            }
        }
    }

    private static IEnumerable<BadInputCase> Queries(RouteInfo route)
    {
        var body = route.TakesBody ? Json(AllFields(route.BodyProperties, "null")) : null;
        foreach (var query in GarbageQueries)
        {
            var setsDeclared = route.QueryParameters.Any(p => query.Contains("?" + p + "=", StringComparison.Ordinal) || query.Contains("&" + p + "=", StringComparison.Ordinal));
            yield return Case("query", route, query: query, body: body, contentType: body is null ? null : "application/json",
                setsInput: setsDeclared || route.RouteParameters.Count > 0 || route.TakesBody);
        }

        foreach (var parameter in route.QueryParameters)
        {
            foreach (var value in HostileStrings.Where(v => v != "\ud800"))
            {
                yield return Case("query:" + parameter, route, query: "?" + Uri.EscapeDataString(parameter) + "=" + Uri.EscapeDataString(value),
                    body: body, contentType: body is null ? null : "application/json", setsInput: true);
            }

            yield return Case("query:" + parameter, route, query: $"?{parameter}=%ff%fe%fd&{parameter}=second", setsInput: true);
            yield return Case("query:" + parameter, route, query: $"?{parameter}=%E0%80%80%C0%AF", setsInput: true); // overlong UTF-8
        }
    }

    private static IEnumerable<BadInputCase> Headers(RouteInfo route)
    {
        var body = route.TakesBody ? Json(AllFields(route.BodyProperties, "\"\"")) : null;
        var contentType = body is null ? null : "application/json";
        foreach (var header in route.HeaderParameters)
        {
            // Kestrel refuses control characters and non-ASCII in headers before the gateway sees them.
            foreach (var value in HostileStrings.Where(v => v.Length > 0 && v.All(c => c is >= ' ' and <= '~')))
            {
                yield return Case("header:" + header, route, body: body, contentType: contentType,
                    headers: new Dictionary<string, string> { [header] = value }, setsInput: true);
            }
        }

        foreach (var accept in new[] { "text/html", "application/xml", "image/png", "*/*", "%%%", "application/json;q=0" })
        {
            yield return Case("accept", route, path: FillAll(route, Filler), body: body, contentType: contentType,
                headers: new Dictionary<string, string> { ["Accept"] = accept }, setsInput: route.RouteParameters.Count > 0 || route.TakesBody);
        }

        if (!route.Anonymous)
        {
            yield return Case("bad-api-key", route, body: body, contentType: contentType, headers: new Dictionary<string, string> { ["X-Api-Key"] = "' OR 1=1 --" },
                withKey: false, setsInput: true);
        }
    }

    private static IEnumerable<BadInputCase> Bodies(RouteInfo route)
    {
        var properties = route.BodyProperties;

        // Not JSON, broken JSON, JSON of the wrong shape.
        var raw = new List<(string Kind, byte[] Body)>
        {
            ("empty", []),
            ("truncated", "{"u8.ToArray()),
            ("truncated", "{\"a\":"u8.ToArray()),
            ("truncated", Truncated(Json(AllFields(properties, "\"x\"")))),
            ("unbalanced", "}"u8.ToArray()),
            ("single-quotes", "{'a':1}"u8.ToArray()),
            ("trailing-comma", "{\"a\":1,}"u8.ToArray()),
            ("comment", "{/* x */}"u8.ToArray()),
            ("two-documents", "{}{}"u8.ToArray()),
            ("literal", "null"u8.ToArray()),
            ("literal", "true"u8.ToArray()),
            ("literal", "0"u8.ToArray()),
            ("literal", "\"x\""u8.ToArray()),
            ("literal", "NaN"u8.ToArray()),
            ("array-not-object", "[]"u8.ToArray()),
            ("array-not-object", Encoding.UTF8.GetBytes("[" + AllFields(properties, "null") + "]")),
            ("nested-arrays-1000", Encoding.UTF8.GetBytes(Nested('[', ']', 1000))),
            ("nested-arrays-10000", Encoding.UTF8.GetBytes(Nested('[', ']', 10_000))),
            ("nested-objects-1000", Encoding.UTF8.GetBytes(Nested('{', '}', 1000, "\"a\":"))),
            ("duplicate-keys", "{\"a\":1,\"a\":2,\"a\":3}"u8.ToArray()),
            ("random-bytes", RandomBytes(1024, 1)),
            ("random-bytes", RandomBytes(8, 2)),
            ("random-bytes-oversized", RandomBytes(Oversized, 3)),
            ("invalid-utf8", [.. "{\"a\":\""u8, 0xff, 0xfe, 0xc3, 0x28, .. "\"}"u8]),
            ("invalid-utf8-key", [.. "{\""u8, 0xc0, 0xaf, .. "\":1}"u8]),
            ("bom-then-garbage", [0xef, 0xbb, 0xbf, .. "{]"u8]),
            ("utf16", Encoding.Unicode.GetBytes(AllFields(properties, "\"x\""))),
            ("nul-bytes", [0, 0, 0, 0]),
            ("string-oversized", Encoding.UTF8.GetBytes("{\"a\":\"" + new string('x', Oversized) + "\"}")),
        };
        foreach (var (kind, body) in raw)
        {
            yield return Case("body:" + kind, route, body: body, contentType: "application/json", setsInput: true, chunked: kind.EndsWith("oversized", StringComparison.Ordinal));
        }

        foreach (var (contentType, body) in WrongContent)
        {
            yield return Case("content-type", route, body: Encoding.UTF8.GetBytes(body), contentType: contentType, setsInput: true);
        }

        yield return Case("content-type", route, body: Json(AllFields(properties, "null")), contentType: null, setsInput: true);

        if (properties is null)
        {
            yield break;
        }

        // Every field at once gets the same unusable value (so the body is never valid), then each field alone.
        foreach (var value in HostileStrings.Select(JsonString).Concat(HostileJsonValues).Append(JsonString(new string('x', 60 * 1024))))
        {
            yield return Case("all-fields", route, body: Json(AllFields(properties, value)), contentType: "application/json", setsInput: true);
        }

        foreach (var property in Flatten(properties))
        {
            foreach (var value in new[] { "null", "\"\"", JsonString("' OR 1=1 --"), JsonString("<script>alert(1)</script>"), JsonString("\u0000\u0007"),
                         JsonString(new string('A', 10_000)), "-1", "1e400", "[]", "{}", "true", JsonStringRelaxed("Nguyễn Văn An\u202e") })
            {
                yield return Case("field:" + property.Path, route, body: Json(property.Build(value)), contentType: "application/json", setsInput: true);
            }
        }
    }

    private static BadInputCase Case(
        string kind, RouteInfo route, string? method = null, string? path = null, string query = "", byte[]? body = null, string? contentType = null,
        IReadOnlyDictionary<string, string>? headers = null, bool withKey = true, bool setsInput = false, bool chunked = false) =>
        new(kind, route, method ?? route.Methods[0], path ?? FillAll(route, Filler), query, body, contentType,
            headers ?? new Dictionary<string, string>(), withKey, setsInput || route.RouteParameters.Count > 0, chunked);

    private static string Fill(RouteInfo route, string parameter, string value)
    {
        var path = route.Pattern.Replace("{" + parameter + "}", value, StringComparison.Ordinal);
        return FillAll(route with { Pattern = path }, Filler);
    }

    private static string FillAll(RouteInfo route, string value) =>
        route.RouteParameters.Aggregate(route.Pattern, (p, name) => p.Replace("{" + name + "}", value, StringComparison.Ordinal));

    private static string AllFields(IReadOnlyList<BodyProperty>? properties, string value)
    {
        if (properties is null)
        {
            return "{\"a\":" + value + "}";
        }

        return "{" + string.Join(",", properties.Select(p => JsonString(p.Name) + ":" + (p.Children is { } c ? AllFields(c, value) : value))) + "}";
    }

    private static IEnumerable<(string Path, Func<string, string> Build)> Flatten(IReadOnlyList<BodyProperty> properties)
    {
        foreach (var p in properties)
        {
            var name = JsonString(p.Name);
            yield return (p.Name, v => "{" + name + ":" + v + "}");
            foreach (var (childPath, build) in p.Children is { } children ? Flatten(children) : [])
            {
                yield return (p.Name + "." + childPath, v => "{" + name + ":" + build(v) + "}");
            }
        }
    }

    private static byte[] Json(string text) => Encoding.UTF8.GetBytes(text);

    private static string JsonString(string value) => JsonSerializer.Serialize(value);

    private static string JsonStringRelaxed(string value) => JsonSerializer.Serialize(value, s_relaxed);

    private static byte[] Truncated(byte[] json) => json[..Math.Max(1, json.Length * 2 / 3)];

    private static string Nested(char open, char close, int depth, string inner = "") =>
        string.Concat(Enumerable.Repeat(open + inner, depth)) + (inner.Length > 0 ? "1" : "") + new string(close, depth);

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Describe(IEnumerable<BadInputCase> cases) =>
        string.Join(", ", cases.GroupBy(c => c.Kind.Split(':')[0]).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count().ToString(CultureInfo.InvariantCulture)}"));
}
