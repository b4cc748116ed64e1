using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// Every route of the gateway (found in its endpoint data source, described by its OpenAPI document) gets hundreds of
/// generated hostile requests. Each must be refused with a 4xx problem-details answer carrying a <c>code</c>: never a
/// 5xx, never an upstream call; anonymous protocol callbacks answer their protocol's refusal. Afterwards the gateway
/// is still healthy and still serves a valid request.
/// </summary>
public sealed class BadInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AllScopesKey = "test-resilience-all-scopes-key";
    private const string OpenApiRoute = "/openapi/{documentName}.json";
    private const string Accepted = "accepted";
    private const string ReadsAsValid = "reads as valid";

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task EveryRoute_HostileInput_4xxProblemNoUpstreamCallAndStillHealthy(string store)
    {
        using var gateway = new GatewayFactory(new GatewayFactoryOptions
        {
            Postgres = store == "postgres",
            Settings =
            {
                ["Gateway:Clients:4:Name"] = "test-all-scopes",
                ["Gateway:Clients:4:KeyHash"] = GatewayFactory.Sha256Hex(AllScopesKey),
                ["Gateway:Clients:4:PermitPerMinute"] = "1000000",
                ["Gateway:Clients:4:Scopes:0"] = "identity",
                ["Gateway:Clients:4:Scopes:1"] = "telco",
                ["Gateway:Clients:4:Scopes:2"] = "payment",
                ["Gateway:Clients:4:Scopes:3"] = "portal",
                ["Gateway:Clients:4:Scopes:4"] = "ops",
                ["Gateway:Clients:4:Scopes:5"] = "reports",
                ["Logging:LogLevel:Default"] = "Warning",
            },
        });
        using var client = gateway.CreateClient(AllScopesKey);
        var openApi = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var routes = RouteInfo.Discover(gateway.Services.GetRequiredService<EndpointDataSource>(), openApi);
        var cases = BadInputs.For(routes);
        Assert.True(cases.Count >= 500, $"only {cases.Count} cases");
        Assert.Contains(routes, r => r.Pattern == "/api/v1/payments/" && r.BodyProperties is { Count: > 3 }); // the document was read

        var violations = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var accepted = new Dictionary<string, int>();
        var readAsValid = new Dictionary<string, int>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            var (status, contentType, body) = await SendAsync(gateway, c, i);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            var verdict = Judge(c, status, contentType, body);
            if (verdict is ReadsAsValid)
            {
                // A read that takes any text (a free-text search, an empty filter): fine as long as nothing went upstream.
                verdict = await GatewayFactory.WireMock.CountRequestsAsync("ANY", "/.*", regex: true) == 0 ? Accepted : "an upstream was called";
                readAsValid[c.Route.ToString()] = readAsValid.GetValueOrDefault(c.Route.ToString()) + (verdict is Accepted ? 1 : 0);
            }
            else if (verdict is Accepted)
            {
                accepted[c.Route.ToString()] = accepted.GetValueOrDefault(c.Route.ToString()) + 1;
            }

            if (verdict is not null and not Accepted)
            {
                violations.Add($"{c} → HTTP {status} {contentType}: {verdict} {Api.Shorten(body)}");
            }
        }

        output.WriteLine($"{store}: {cases.Count} hostile requests to {routes.Count} routes ({BadInputs.Describe(cases)}); " +
            $"answers: {string.Join(", ", statuses.Select(s => $"{s.Value}× {s.Key}"))}");
        output.WriteLine("2xx/3xx to garbage the route does not read: " + string.Join(", ", accepted.Select(a => $"{a.Key} {a.Value}×")));
        output.WriteLine("2xx to hostile text a read takes as valid, with no upstream call: " + string.Join(", ", readAsValid.Select(a => $"{a.Key} {a.Value}×")));
        Assert.True(violations.Count == 0,
            $"{violations.Count} of {cases.Count} hostile requests were not refused properly:{Environment.NewLine}" +
            string.Join(Environment.NewLine, violations.Take(40)) + Environment.NewLine +
            string.Join(Environment.NewLine, gateway.Logs.Lines.Where(l => l.Contains("Unhandled", StringComparison.Ordinal)).Take(5)));

        var upstreamCalls = await GatewayFactory.WireMock.GetAllRequestsAsync();
        Assert.True(upstreamCalls.Count == 0, "upstream calls: " + string.Join(", ", upstreamCalls.Take(10).Select(r => r.Method + " " + r.Url)));

        // Still healthy, and still serving.
        Assert.Equal(HttpStatusCode.OK, await Api.ReadyAsync(client));
        using var verify = await Api.VerifyAsync(client, Api.An);
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        Assert.Equal("match", (await Api.JsonAsync(verify)).Str("result"));
        using var payment = await Api.PostPaymentAsync(client, "after-bad-input", Api.VietQrBody(50_000));
        Assert.Equal(HttpStatusCode.Created, payment.StatusCode);
    }

    /// <summary>
    /// Null when the answer is a proper refusal; <see cref="Accepted"/> when the case could legitimately succeed;
    /// <see cref="ReadsAsValid"/> when a read succeeded (acceptable only if no upstream was called); otherwise what is wrong.
    /// </summary>
    private static string? Judge(BadInputCase c, int status, string? contentType, string body)
    {
        if (status >= 500)
        {
            return "server error";
        }

        if (status is >= 400 and < 500)
        {
            // The OpenAPI document's route belongs to Microsoft.AspNetCore.OpenApi, which answers an unknown document
            // name itself with a text/plain 404.
            var framework = c.Route.Pattern == OpenApiRoute && status == 404;
            return framework || IsProblem(status, contentType, body) ? null : "a 4xx that is not problem details with a code";
        }

        // A protocol callback refuses in its own protocol (VNPAY's IPN: 200 with RspCode 97 for a bad signature).
        if (TryRspCode(body) is { } rspCode)
        {
            return rspCode is "97" or "01" or "04" ? null : $"IPN answered RspCode {rspCode}";
        }

        // Garbage the route does not read (unknown query parameters, an odd Accept on a route without inputs).
        if (!c.SetsInput && c.Method == "GET")
        {
            return Accepted;
        }

        // A GET may take hostile text as a valid value (a search for it finds nothing); a write or a redirect may not.
        return c.Method == "GET" && status is >= 200 and < 300 ? ReadsAsValid : "hostile input accepted";
    }

    private static bool IsProblem(int status, string? contentType, string body)
    {
        if (contentType is null || !contentType.StartsWith("application/problem+json", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString()!.Length > 0
                && json.RootElement.TryGetProperty("status", out var s) && s.GetInt32() == status
                && !body.Contains("   at ", StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? TryRspCode(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("RspCode", out var code) ? code.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Straight into the host (no HTTP client in between to normalise or refuse anything), from its own client address
    /// so that the per-address limits of anonymous routes do not turn the cases into 429s.
    /// </summary>
    private static async Task<(int Status, string? ContentType, string Body)> SendAsync(GatewayFactory gateway, BadInputCase c, int index)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        HttpContext context;
        try
        {
            context = await SendRawAsync(gateway, c, index, timeout.Token);
        }
        catch (Exception ex) when (!timeout.IsCancellationRequested)
        {
            // What escapes the host's own handling: Kestrel would answer 500 with an empty body.
            return (500, null, $"{ex.GetType().Name}: {ex.Message}");
        }

        using var reader = new StreamReader(context.Response.Body, Encoding.UTF8);
        return (context.Response.StatusCode, context.Response.ContentType, await reader.ReadToEndAsync(timeout.Token));
    }

    private static Task<HttpContext> SendRawAsync(GatewayFactory gateway, BadInputCase c, int index, CancellationToken cancellationToken) =>
        gateway.Server.SendAsync(http =>
        {
            http.Connection.RemoteIpAddress = new IPAddress([10, (byte)(index >> 16), (byte)(index >> 8), (byte)index]);
            http.Request.Method = c.Method;
            http.Request.Path = new PathString(c.Path);
            if (c.Query.Length > 0)
            {
                http.Request.QueryString = new QueryString(c.Query);
            }

            http.Request.Headers.Accept = "application/json";
            if (c.WithApiKey)
            {
                http.Request.Headers["X-Api-Key"] = AllScopesKey;
            }

            foreach (var header in c.Route.HeaderParameters)
            {
                http.Request.Headers[header] = $"bad-input-{index}";
            }

            foreach (var (name, value) in c.Headers)
            {
                http.Request.Headers[name] = value;
            }

            if (c.Body is not null)
            {
                http.Request.Body = new MemoryStream(c.Body);
                http.Request.ContentLength = c.Chunked ? null : c.Body.Length;
            }

            if (c.ContentType is not null)
            {
                http.Request.ContentType = c.ContentType;
            }
        }, cancellationToken);
}
