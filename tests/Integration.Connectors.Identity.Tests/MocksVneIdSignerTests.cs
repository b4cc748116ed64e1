using System.Diagnostics;
using System.Net;
using Integration.Testing;
using Integration.Testing.Servers;

using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary>
/// <c>mocks/vneid-signer.mjs</c>, what <c>./run</c> puts in front of WireMock's VNeID mappings so that a
/// tester's sign-in gets a correctly signed id_token: the whole sign-in through it, with the mocks' own answers.
/// </summary>
public sealed class MocksVneIdSignerTests : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(null, 2)]
    [InlineData("level1", 1)]
    public async Task SignIn_ThroughTheSigningProxy_TicketOfTheTestAccount(string? loginHint, int level)
    {
        var port = FreePort.Get();
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardError = true, WorkingDirectory = RepositoryPaths.Mocks };
        foreach (var argument in new[] { "vneid-signer.mjs", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--upstream", GatewayFactory.WireMock.BaseUrl })
        {
            start.ArgumentList.Add(argument);
        }

        using var signer = Process.Start(start)!;
        try
        {
            var baseUrl = $"http://127.0.0.1:{port}/vneid";
            using var probe = new HttpClient();
            Assert.True(
                await Poll.UntilAsync(
                    async () =>
                    {
                        try
                        {
                            return (await probe.GetAsync(baseUrl + "/.well-known/jwks.json")).IsSuccessStatusCode;
                        }
                        catch (HttpRequestException)
                        {
                            return false;
                        }
                    },
                    TimeSpan.FromSeconds(30),
                    TimeSpan.FromMilliseconds(100)),
                "the signer did not answer");
            using var factory = new GatewayFactory(new GatewayFactoryOptions { Settings = { ["Connectors:Identity:VneId:BaseUrl"] = baseUrl } });
            var flow = new SignInFlow(factory);

            var authorize = await flow.LoginAsync();
            var back = await flow.CallbackAsync(await SignInFlow.AtProviderAsync(authorize, loginHint));

            Assert.StartsWith(baseUrl + "/oauth2/authorize?", authorize.AbsoluteUri);
            Assert.Equal(HttpStatusCode.Found, back.StatusCode);
            var ticket = SignInFlow.Query(back.Headers.Location!)["ticket"];
            Assert.True(ticket is not null, $"ended on {back.Headers.Location}");
            var profile = await JsonAsync(await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket));
            Assert.Equal(level, (int?)profile["identityLevel"]);
        }
        finally
        {
            signer.Kill(entireProcessTree: true);
            await signer.WaitForExitAsync();
        }
    }
}
