using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Core.Tests;

/// <summary>
/// Core's client-credentials bearer token (LGSP for Identity and Linked, VNPT's own) on a Refit client,
/// against WireMock: one token for concurrent callers, renewed once when the protected upstream refuses it.
/// </summary>
public sealed class ClientCredentialsTokenTests : IAsyncLifetime
{
    private static readonly TokenEndpoint Endpoint = new("Test", "token-test", "oauth/token", "Connectors:Test:Token");

    private static WireMockServer WireMock => TestServers.WireMock;

    public Task InitializeAsync() => WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<CoreHost> StartAsync(string secret = "secret") => CoreHost.StartAsync(services: s =>
        s.AddUpstreamRefitClient<IEchoApi>("Test", "wiremock", EchoJsonContext.Default, _ => WireMock.BaseUrl + "/core-test", safeToRetry: true)
            .AddClientCredentialsToken(Endpoint, _ => new ClientCredentialsOptions
            {
                BaseUrl = WireMock.BaseUrl + "/core-test",
                ClientId = "gateway",
                ClientSecret = secret,
            }));

    private static Task IssueAsync(string token, string? scenario = null, string? state = null, string? next = null) =>
        WireMock.AddMappingAsync(new Dictionary<string, object?>
        {
            ["scenarioName"] = scenario,
            ["requiredScenarioState"] = state,
            ["newScenarioState"] = next,
            ["request"] = new
            {
                method = "POST",
                urlPath = "/core-test/oauth/token",
                formParameters = new { client_secret = new { equalTo = "secret" } },
            },
            ["response"] = new { status = 200, jsonBody = new { access_token = token, token_type = "Bearer", expires_in = 3600 } },
        }.Where(p => p.Value is not null).ToDictionary());

    private static Task ProtectedAsync(string token, int status) => WireMock.AddMappingAsync(new
    {
        request = new
        {
            method = "POST",
            urlPath = "/core-test/protected",
            headers = new { Authorization = new { equalTo = "Bearer " + token } },
        },
        response = new { status, jsonBody = new { code = "00" } },
    });

    [Fact]
    public async Task Call_ConcurrentCallers_OneTokenForAll()
    {
        await IssueAsync("t1");
        await ProtectedAsync("t1", 200);
        await using var host = await StartAsync();
        var api = host.Get<IEchoApi>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => api.PostAsync("protected", new($"call {i}"), CancellationToken.None)));

        Assert.All(answers, a => Assert.Equal("00", a.Content?.Code));
        var token = Assert.Single(await WireMock.FindRequestsAsync("POST", "/core-test/oauth/token"));
        Assert.Contains("grant_type=client_credentials", token.Body);
        Assert.Contains("client_id=gateway", token.Body);
        Assert.Equal(5, await WireMock.CountRequestsAsync("POST", "/core-test/protected"));
    }

    [Fact]
    public async Task Call_TokenRefusedOnce_NewTokenAndTheCallSentOnceMore()
    {
        await IssueAsync("t1", "tokens", "Started", "second");
        await IssueAsync("t2", "tokens", "second");
        await ProtectedAsync("t1", 401);
        await ProtectedAsync("t2", 200);
        await using var host = await StartAsync();
        var api = host.Get<IEchoApi>();

        using var answer = await api.PostAsync("protected", new("once"), CancellationToken.None);

        Assert.Equal("00", answer.Content?.Code);
        Assert.Equal(2, await WireMock.CountRequestsAsync("POST", "/core-test/oauth/token"));
        var calls = await WireMock.FindRequestsAsync("POST", "/core-test/protected");
        Assert.Equal(["Bearer t1", "Bearer t2"], calls.Select(c => c.Header("Authorization")));
        Assert.All(calls, c => Assert.Equal("{\"text\":\"once\"}", c.Body));

        // The renewed token serves the next call.
        using var next = await api.PostAsync("protected", new("next"), CancellationToken.None);
        Assert.Equal(2, await WireMock.CountRequestsAsync("POST", "/core-test/oauth/token"));
    }

    [Fact]
    public async Task Call_WrongClientSecret_UpstreamErrorNamingTheSettingsAndNoProtectedCall()
    {
        await IssueAsync("t1");
        await WireMock.AddMappingAsync(new
        {
            priority = 9,
            request = new { method = "POST", urlPath = "/core-test/oauth/token" },
            response = new { status = 401, jsonBody = new { error = "invalid_client" } },
        });
        await using var host = await StartAsync(secret: "wrong-secret");

        var ex = await Assert.ThrowsAsync<UpstreamErrorException>(() => host.Get<IEchoApi>().PostAsync("protected", new("x"), CancellationToken.None));

        Assert.Equal("token-test", ex.Upstream);
        Assert.Contains("Connectors:Test:Token:ClientId", ex.Detail);
        Assert.DoesNotContain("wrong-secret", ex.Detail);
        Assert.Equal(0, await WireMock.CountRequestsAsync("POST", "/core-test/protected"));
    }

    [Fact]
    public async Task Call_TokenAnswerWithoutAccessToken_UpstreamError()
    {
        await WireMock.AddMappingAsync(new
        {
            request = new { method = "POST", urlPath = "/core-test/oauth/token" },
            response = new { status = 200, jsonBody = new { token_type = "Bearer", expires_in = 3600 } },
        });
        await using var host = await StartAsync();

        var ex = await Assert.ThrowsAsync<UpstreamErrorException>(() => host.Get<IEchoApi>().PostAsync("protected", new("x"), CancellationToken.None));

        Assert.Contains("access_token", ex.Detail);
    }

    [Theory]
    [InlineData(3600, 60, 3540)]
    [InlineData(100, 60, 50)]
    [InlineData(120, 60, 60)]
    [InlineData(300, 0, 300)]
    public void RefreshAfter_TokenLifetimeAndMargin_ReplacedBeforeExpiry(int lifetimeSeconds, int marginSeconds, int expectedSeconds)
    {
        var after = ClientCredentialsTokenIssuer.RefreshAfter(TimeSpan.FromSeconds(lifetimeSeconds), TimeSpan.FromSeconds(marginSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), after);
    }
}
