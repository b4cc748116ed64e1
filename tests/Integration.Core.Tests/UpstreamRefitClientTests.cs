using System.Net;
using System.Text.Json.Serialization;
using Integration.Core.Http;
using Integration.Core.Problems;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Refit;

namespace Integration.Core.Tests;

/// <summary>A Refit API as a connector would declare one.</summary>
public interface IEchoApi
{
    [Post("/{**path}")]
    Task<IApiResponse<EchoAnswer>> PostAsync(string path, [Body] EchoQuestion question, CancellationToken cancellationToken);
}

public sealed record EchoQuestion(string Text);

public sealed record EchoAnswer(string? Code);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(EchoQuestion))]
[JsonSerializable(typeof(EchoAnswer))]
public sealed partial class EchoJsonContext : JsonSerializerContext;

/// <summary>Refit clients registered with AddUpstreamRefitClient, against WireMock: the pipeline's rules hold for them too.</summary>
public sealed class UpstreamRefitClientTests : IAsyncLifetime
{
    private const string Safe = "safe";
    private const string Once = "once";

    private static WireMockServer WireMock => TestServers.WireMock;

    public Task InitializeAsync() => WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<CoreHost> StartAsync() => CoreHost.StartAsync(services: s =>
    {
        s.AddUpstreamRefitClient<IEchoApi>("Test", "wiremock", EchoJsonContext.Default, BaseUrl, safeToRetry: true, key: Safe);
        s.AddUpstreamRefitClient<IEchoApi>("Test", "wiremock", EchoJsonContext.Default, BaseUrl, key: Once);
    });

    private static string BaseUrl(IServiceProvider _) => WireMock.BaseUrl + "/core-test";

    private static IEchoApi Api(CoreHost host, string key) => host.Services.GetRequiredKeyedService<IEchoApi>(key);

    private static Task StubAsync(string path, object response, string? scenario = null, string? state = null, string? next = null) =>
        WireMock.AddMappingAsync(new Dictionary<string, object?>
        {
            ["scenarioName"] = scenario,
            ["requiredScenarioState"] = state,
            ["newScenarioState"] = next,
            ["request"] = new { method = "POST", urlPath = "/core-test/" + path },
            ["response"] = response,
        }.Where(p => p.Value is not null).ToDictionary());

    [Fact]
    public async Task Post_ClientRegisteredSafeToRetry_IsRetriedWithTheSameBody()
    {
        await StubAsync("lookup", new { status = 502 }, "lookup", "Started", "up");
        await StubAsync("lookup", new { status = 200, jsonBody = new { code = "00" } }, "lookup", "up");
        await using var host = await StartAsync();

        using var response = await Api(host, Safe).PostAsync("lookup", new("lookup 1"), CancellationToken.None);

        Assert.Equal("00", response.Content?.Code);
        var sent = await WireMock.FindRequestsAsync("POST", "/core-test/lookup");
        Assert.Equal(2, sent.Count);
        Assert.All(sent, r => Assert.Equal("{\"text\":\"lookup 1\"}", r.Body));
    }

    [Fact]
    public async Task Post_ClientNotMarked_IsSentExactlyOnceAndItsTransientAnswerIsA503()
    {
        await StubAsync("charge", new { status = 503, headers = new Dictionary<string, string> { ["Retry-After"] = "7" } });
        await using var host = await StartAsync();

        using var response = await Api(host, Once).PostAsync("charge", new("1"), CancellationToken.None);

        Assert.Equal(1, await WireMock.CountRequestsAsync("POST", "/core-test/charge"));
        var problem = Assert.Throws<UpstreamUnavailableException>(() => UpstreamResponse.ThrowIfTransient(response, "wiremock"));
        Assert.Equal(TimeSpan.FromSeconds(7), problem.RetryAfter);
    }

    [Fact]
    public async Task Post_UpstreamResetsEveryConnection_ThrowsTheGatewayProblemNotARefitError()
    {
        await StubAsync("reset", new { fault = "CONNECTION_RESET_BY_PEER" });
        await using var host = await StartAsync();

        var ex = await Assert.ThrowsAsync<UpstreamUnavailableException>(() => Api(host, Safe).PostAsync("reset", new("1"), CancellationToken.None));

        Assert.Equal("wiremock", ex.Upstream);
    }

    [Fact]
    public async Task Post_ErrorStatusWithJson_BodyIsReadWhateverTheStatus()
    {
        await StubAsync("missing", new { status = 404, jsonBody = new { code = "01" } });
        await using var host = await StartAsync();

        using var response = await Api(host, Safe).PostAsync("missing", new("1"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Null(response.Error);
        Assert.Equal("01", response.Content?.Code);
    }

    [Fact]
    public async Task Post_AnswerNotJson_ErrorSaysSoAndTheStatusIsKept()
    {
        await StubAsync("proxy", new { status = 200, body = "<html>gateway error</html>", headers = new Dictionary<string, string> { ["Content-Type"] = "text/html" } });
        await using var host = await StartAsync();

        using var response = await Api(host, Safe).PostAsync("proxy", new("1"), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Error);
        Assert.Null(response.Content);
    }
}
