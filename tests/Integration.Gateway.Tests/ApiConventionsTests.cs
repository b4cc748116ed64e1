using System.Net;
using System.Text;
using Integration.Gateway.Security;
using Integration.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Integration.Gateway.Tests;

/// <summary>Authentication, scopes, rate limits, size limits and problem details on every route.</summary>
public sealed class ApiConventionsTests : IClassFixture<ApiConventionsTests.Host>
{
    private readonly GatewayFactory _factory;

    public ApiConventionsTests(Host host) => _factory = host.Factory;

    public sealed class Host : IDisposable
    {
        public GatewayFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    [Fact]
    public async Task Get_WithoutApiKey_Is401ProblemWithChallenge()
    {
        using var client = _factory.CreateClient(apiKey: null);

        using var response = await client.GetAsync("/api/v1/connectors");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WithWrongApiKey_Is401()
    {
        using var client = _factory.CreateClient("not-a-key");

        using var response = await client.GetAsync("/api/v1/connectors");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task Get_WithKeyLackingScope_Is403()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.GetAsync("/api/v1/connectors");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public void ScopeShortcut_TakesOnlyRoutesWhoseAuthorizationIsScopePoliciesAlone()
    {
        static string[]? Required(params object[] metadata) =>
            ScopeAuthorizationMiddleware.RequiredScopes(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "route"));

        Assert.Equal([Scopes.Identity, Scopes.Telco], Required(new AuthorizeAttribute(Scopes.IdentityAndTelco))!.Order());
        Assert.Equal([Scopes.Identity, Scopes.Ops], Required(new AuthorizeAttribute(Scopes.Ops), new AuthorizeAttribute(Scopes.Identity))!.Order());

        // Anything else stays with the framework's authorization, so a stricter requirement is never skipped.
        Assert.Null(Required(new AuthorizeAttribute(Scopes.Identity), new AuthorizeAttribute("some-other-policy")));
        Assert.Null(Required(new AuthorizeAttribute(Scopes.Identity), new AuthorizeAttribute { Roles = "admin" }));
        Assert.Null(Required(new AuthorizeAttribute(Scopes.Identity) { AuthenticationSchemes = "Bearer" }));
        Assert.Null(Required(new AuthorizeAttribute(Scopes.Identity), new AuthorizationPolicyBuilder().RequireClaim("scope", "never").Build()));
        Assert.Null(Required(new AuthorizeAttribute()));
        Assert.Null(Required());
    }

    [Fact]
    public async Task Get_WithScope_Is200()
    {
        using var client = _factory.CreateClient(GatewayFactory.OpsKey);

        using var response = await client.GetAsync("/api/v1/connectors");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_OverClientRateLimit_Is429WithRetryAfter()
    {
        using var client = _factory.CreateClient(GatewayFactory.LimitedKey);
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.GetAsync("/api/v1/connectors");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var limited = await client.GetAsync("/api/v1/connectors");

        await ProblemAssert.IsProblemAsync(limited, (HttpStatusCode)429, "rate_limited");
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After must say when to come back");
        using var other = _factory.CreateClient(GatewayFactory.OpsKey);
        using var notLimited = await other.GetAsync("/api/v1/connectors");
        Assert.Equal(HttpStatusCode.OK, notLimited.StatusCode);
    }

    [Fact]
    public async Task Post_BodyOverSizeLimit_Is413()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        using var content = new StringContent("{\"x\":\"" + new string('a', 70_000) + "\"}", Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/api/v1/identity/citizens/verify", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task Post_ChunkedBodyOverSizeLimit_Is413()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"x\":\"" + new string('a', 70_000) + "\"}")));
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/identity/citizens/verify") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Get_UnknownRoute_Is404Problem()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.GetAsync("/api/v1/nothing-here");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Health_LiveAndReady_AnswerWithoutKey()
    {
        using var client = _factory.CreateClient(apiKey: null);

        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"store\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DocumentAndSwaggerUi_AreServed()
    {
        using var client = _factory.CreateClient(apiKey: null);

        var document = await client.GetStringAsync("/openapi/v1.json");
        using var ui = await client.GetAsync("/swagger/index.html");

        Assert.Contains("/api/v1/connectors", document, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    [Fact]
    public async Task OpenApi_EveryApiRoute_DeclaresTheProblemsItCanAnswer()
    {
        using var client = _factory.CreateClient(apiKey: null);
        var document = System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var missing = new List<string>();
        var operations = 0;
        foreach (var (path, item) in document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => o.Key is "get" or "post" or "put" or "delete"))
            {
                operations++;
                var responses = operation!["responses"]!.AsObject();
                var anonymous = path.StartsWith("/api/v1/payments/callbacks", StringComparison.Ordinal) || path.StartsWith("/api/v1/identity/vneid/login", StringComparison.Ordinal)
                    || path.StartsWith("/api/v1/identity/vneid/callback", StringComparison.Ordinal);
                var expected = new List<string> { "429" };
                if (!anonymous)
                {
                    expected.AddRange(["401", "403"]);
                }

                if (operation["requestBody"] is not null)
                {
                    expected.AddRange(["400", "413", "415"]);
                }
                else if (operation["parameters"]?.AsArray().Any(p => (string?)p!["in"] == "query") == true)
                {
                    expected.Add("400");
                }

                foreach (var status in expected)
                {
                    if (responses[status]?["content"]?["application/problem+json"] is null)
                    {
                        missing.Add($"{method.ToUpperInvariant()} {path} {status}");
                    }
                }
            }
        }

        Assert.True(operations > 30, $"only {operations} operations under /api/v1 in the document");
        Assert.True(missing.Count == 0, "Problems not declared: " + string.Join("; ", missing));
    }
}
