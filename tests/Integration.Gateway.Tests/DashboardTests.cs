using Integration.Core;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Integration.Core.Resilience;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Integration.Gateway.Tests;

/// <summary>A connector as the dashboard test drives it: one upstream on WireMock under <c>/dash</c>.</summary>
public sealed class DemoClient(HttpClient http)
{
    public async Task<int> PingAsync()
    {
        try
        {
            using var response = await http.GetAsync("ping");
            return (int)response.StatusCode;
        }
        catch (Integration.Core.Problems.UpstreamException ex)
        {
            return ex.Status;
        }
    }
}

internal sealed class DemoProbe(DemoClient client) : IConnectorProbe
{
    public string Connector => "Demo";

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var status = await client.PingAsync();
        return [new UpstreamProbeResult("wiremock", status == 200, 1, status == 200 ? null : "HTTP " + status)];
    }
}

/// <summary>
/// The operator dashboard in a real browser (Debian's Chromium driven by Playwright) against a real
/// Kestrel server: what an operator sees when a connector goes down and comes back, and the buttons.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new(new GatewayFactoryOptions
    {
        Settings =
        {
            ["Gateway:Probes:Interval"] = "00:00:00",
        },
        Services = services =>
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Resilience:MaxRetryAttempts"] = "0",
                ["Resilience:MinimumThroughput"] = "4",
                ["Resilience:FailureRatio"] = "0.5",
                ["Resilience:BreakDuration"] = "00:00:01",
                ["Resilience:AttemptTimeout"] = "00:00:02",
            }).Build();
            services.AddConnectorResilience("Demo", config);
            services.AddUpstreamHttpClient<DemoClient>("Demo", "wiremock", _ => TestServers.WireMock.BaseUrl + "/dash");
            services.AddSingleton<IConnectorProbe, DemoProbe>();
        },
    });

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        await TestServers.WireMock.ResetAsync();
        var port = FreePort.Get();
        _factory.UseKestrel(port);
        _factory.StartServer();
        _baseUrl = $"http://localhost:{port}";
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _factory.Dispose();
    }

    private async Task PingAsync(int times, int expected)
    {
        var client = _factory.Services.GetRequiredService<DemoClient>();
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(expected, await client.PingAsync());
        }
    }

    private static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    [Fact]
    public async Task Dashboard_ConnectorGoesDownAndComesBack_OperatorSeesItAndCanIsolate()
    {
        var up = await TestServers.WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/dash/ping" }, response = new { status = 200 } });
        await PingAsync(3, 200);
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(_baseUrl + "/ops");

        // The page asks for the key instead of carrying one.
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#key", GatewayFactory.OpsKey);
        await page.ClickAsync("#login button[type=submit]");
        var demo = page.GetByTestId("connector-Demo");
        await Assertions.Expect(demo.GetByTestId("state")).ToHaveTextAsync("healthy");
        await Assertions.Expect(page.Locator("#login")).ToBeHiddenAsync();

        // The upstream starts failing: the circuit opens and the page turns red by itself.
        await TestServers.WireMock.RemoveMappingAsync(up);
        var down = await TestServers.WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/dash/ping" }, response = new { status = 503 } });
        await PingAsync(4, 503);
        await PingAsync(1, 503);
        await Assertions.Expect(demo.GetByTestId("state")).ToHaveTextAsync("unhealthy", new() { Timeout = 15_000 });
        await Assertions.Expect(demo.GetByTestId("circuit")).ToHaveTextAsync("open");
        await Assertions.Expect(demo.GetByTestId("last-error")).ToContainTextAsync("503");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("ops-dashboard-down.png"), FullPage = true });

        // It comes back: after the break one call goes through and closes the circuit.
        await TestServers.WireMock.RemoveMappingAsync(down);
        await TestServers.WireMock.AddMappingAsync(new { request = new { method = "GET", urlPath = "/dash/ping" }, response = new { status = 200 } });
        var client = _factory.Services.GetRequiredService<DemoClient>();
        await Eventually.TrueAsync(async () => await client.PingAsync() == 200, "the circuit lets a call through after the break");
        await Assertions.Expect(demo.GetByTestId("circuit")).ToHaveTextAsync("closed", new() { Timeout = 15_000 });
        await Assertions.Expect(demo.GetByTestId("state")).Not.ToHaveTextAsync("unhealthy");

        // The operator isolates it, then closes it again; the probe button records a probe.
        await demo.GetByTestId("isolate").ClickAsync();
        await Assertions.Expect(demo.GetByTestId("circuit")).ToHaveTextAsync("isolated");
        await Assertions.Expect(demo.GetByTestId("facts")).ToContainTextAsync("ISOLATED");
        Assert.Equal(503, await client.PingAsync());
        await demo.GetByTestId("close").ClickAsync();
        await Assertions.Expect(demo.GetByTestId("circuit")).ToHaveTextAsync("closed");
        await demo.GetByTestId("probe").ClickAsync();
        await Assertions.Expect(demo.Locator("tbody tr").First).ToContainTextAsync("ok at");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("ops-dashboard-recovered.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_WrongKey_AsksAgainWithAMessage()
    {
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(_baseUrl + "/ops");

        await page.FillAsync("#key", "not-a-key");
        await page.ClickAsync("#login button[type=submit]");

        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("refused");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
    }
}
