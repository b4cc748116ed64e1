using Microsoft.Extensions.Time.Testing;
using System.Net.Http.Headers;
using Integration.Core.Indicators;
using Integration.Core.Store;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Integration.Indicators.Tests.IndicatorsKit;

namespace Integration.Indicators.Tests;

/// <summary>
/// The <c>/reports</c> page in a real browser (Debian's Chromium driven by Playwright) against a real
/// Kestrel server holding the November dataset: what a provincial official sees and downloads.
/// </summary>
public sealed class ReportsPageTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = Create(postgres: false, new FakeTimeProvider(new DateTimeOffset(2026, 12, 10, 9, 0, 0, Vn)));
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
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

    private async Task SeedAsync()
    {
        using var desk = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        desk.DefaultRequestHeaders.Add("X-Api-Key", GatewayFactory.DeskKey);
        desk.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        await SendNovemberAsync(desk);

        var feed = _factory.Services.GetRequiredService<IIndicatorFeed>();
        var store = _factory.Services.GetRequiredService<GatewayStore>();
        for (var day = 1; day <= 30; day++)
        {
            await using var connection = await store.OpenAsync();
            await using var tx = await store.BeginWriteAsync(connection);
            await feed.AccountStatisticsPulledAsync([new AccountStatisticsFact("99001", "Xã Tân Hòa", 1000 + (day * 40), 400 + (day * 25), At(11, day, 9))], tx, default);
            await feed.PaymentPaidAsync(new PaidPaymentFact("p" + day, day % 3 == 0 ? "vnpay" : "vietqr", 50_000, At(11, day, 10), "D1"), tx, default);
            await tx.CommitAsync();
        }
    }

    private static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    [Fact]
    public async Task ReportsPage_OfficialPicksAMonth_SeesRatesOverdueCommunesAndDownloadsCsv()
    {
        await SeedAsync();
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 }, AcceptDownloads = true });
        await page.GotoAsync(_baseUrl + "/reports");

        // The page asks for the key instead of carrying one, and keeps it in this tab only.
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#key", ReportsKey);
        await page.ClickAsync("#login button[type=submit]");
        await page.FillAsync("#month", "2026-11");
        await page.ClickAsync("#show");

        await Assertions.Expect(page.GetByTestId("on-time")).ToContainTextAsync("75,0 %");
        await Assertions.Expect(page.GetByTestId("online")).ToContainTextAsync("50,0 %");
        await Assertions.Expect(page.GetByTestId("overdue-open")).ToContainTextAsync("2");
        var commune = page.GetByTestId("rate-" + CommuneA);
        await Assertions.Expect(commune).ToContainTextAsync("UBND xã Tân Hòa");
        await Assertions.Expect(commune.GetByTestId("onlineRate")).ToHaveTextAsync("75,0 %");
        await Assertions.Expect(commune.GetByTestId("onTimeRate")).ToHaveTextAsync("66,7 %");
        await Assertions.Expect(page.GetByTestId("agency-" + District)).ToContainTextAsync("UBND huyện Tân Phú");
        await Assertions.Expect(page.GetByTestId("overdue").Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("overdue").Locator("tbody tr").First).ToContainTextAsync("D9");
        await Assertions.Expect(page.GetByTestId("communes")).ToContainTextAsync("UBND xã Đắk Ơ");
        await Assertions.Expect(page.GetByTestId("communes")).Not.ToContainTextAsync("Tân Hòa");
        await Assertions.Expect(page.GetByTestId("payments")).ToContainTextAsync("1.500.000");
        await Assertions.Expect(page.GetByTestId("accounts").Locator("polyline")).ToHaveCountAsync(2);
        Assert.Equal(ReportsKey, await page.EvaluateAsync<string>("sessionStorage.getItem('gateway.reports.key')"));
        Assert.Null(await page.EvaluateAsync<string?>("localStorage.getItem('gateway.reports.key')"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = ScreenshotPath("reports-page.png"), FullPage = true });

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#csv"));
        var file = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".csv");
        await download.SaveAsAsync(file);
        var bytes = await File.ReadAllBytesAsync(file);
        File.Delete(file);

        Assert.Equal("chi-tieu-ho-so-2026-11.csv", download.SuggestedFilename);
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        Assert.Contains($"{CommuneA},UBND xã Tân Hòa,commune,4,3,0.75,3,2,1,0.6667,1", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public async Task ReportsPage_KeyWithoutReportsScope_AsksAgainWithAMessage()
    {
        var page = await _browser!.NewPageAsync();
        await page.GotoAsync(_baseUrl + "/reports");

        await page.FillAsync("#key", GatewayFactory.DeskKey);
        await page.ClickAsync("#login button[type=submit]");

        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("reports");
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('gateway.reports.key')"));
    }
}
