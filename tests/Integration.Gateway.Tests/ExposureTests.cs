using System.Net;
using System.Text.RegularExpressions;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Gateway.Tests;

/// <summary>What the gateway exposes outside Development: keys it insists on, API docs, plain-http upstreams, readiness.</summary>
public sealed partial class ExposureTests
{
    [Theory]
    [InlineData("Testing")]
    [InlineData("Production")]
    public void Start_OutsideDevelopmentWithoutPrivacyKeys_FailsNamingBothKeys(string environment)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Environment = environment,
            Settings = { ["Privacy:HashKey"] = "", ["Privacy:EncryptionKey"] = "", ["Gateway:AllowHttpUpstreams"] = "true" },
        });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Privacy:HashKey and Privacy:EncryptionKey must be set outside Development", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DevelopmentWithoutPrivacyKeys_StartsWithKeysOfItsOwn()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Environment = "Development",
            Settings = { ["Privacy:HashKey"] = "", ["Privacy:EncryptionKey"] = "" },
        });

        using var ready = await factory.CreateClient(apiKey: null).GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public void Start_ProductionWithHttpUpstreams_FailsNamingEachKey()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Environment = "Production" });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient()).ToString();

        Assert.Contains("Connectors:Identity:C06:BaseUrl (", ex, StringComparison.Ordinal);
        Assert.Contains("Connectors:Payment:Vnpay:ApiUrl (", ex, StringComparison.Ordinal);
        Assert.Contains("Connectors:NationalPortal:BaseUrl (", ex, StringComparison.Ordinal);
        Assert.Contains("Gateway:AllowHttpUpstreams", ex, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProductionAllowingHttpUpstreams_StartsAndTheLogSaysSo()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Environment = "Production", Settings = { ["Gateway:AllowHttpUpstreams"] = "true" } });

        using var ready = await factory.CreateClient(apiKey: null).GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var line = Assert.Single(factory.Logs.Lines, l => l.Contains("Gateway:AllowHttpUpstreams is true", StringComparison.Ordinal));
        Assert.Contains("Connectors:Identity:C06:BaseUrl", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_TestingWithHttpUpstreams_Starts()
    {
        using var factory = new GatewayFactory();

        using var client = factory.CreateClient();

        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains("AllowHttpUpstreams", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Production", null, HttpStatusCode.NotFound)]
    [InlineData("Production", "false", HttpStatusCode.NotFound)]
    [InlineData("Production", "true", HttpStatusCode.OK)]
    [InlineData("Testing", null, HttpStatusCode.OK)]
    public async Task ApiDocs_ByEnvironmentAndPublishApiDocs_ServedOrNot(string environment, string? publish, HttpStatusCode expected)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Environment = environment,
            Settings = { ["Gateway:AllowHttpUpstreams"] = "true", ["Gateway:PublishApiDocs"] = publish },
        });
        using var client = factory.CreateClient(apiKey: null);

        using var document = await client.GetAsync("/openapi/v1.json");
        using var ui = await client.GetAsync("/swagger/index.html");

        Assert.Equal(expected, document.StatusCode);
        Assert.Equal(expected, ui.StatusCode);
    }

    [Fact]
    public async Task Ready_StoreGone_NotReadyWithoutTypeNamesOrDetails()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = true });
        using var client = factory.CreateClient(apiKey: null);
        var beforeBody = "";
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await client.GetAsync("/health/ready");
                beforeBody = await response.Content.ReadAsStringAsync();
                return response.IsSuccessStatusCode;
            },
            "the gateway reports ready after start");
        Assert.Equal("""{"status":"ready","checks":{"store":"ready","scheduler":"ready","scheduler-instance":"ready"}}""", beforeBody);

        // Gone with the database: the store, and the clustered scheduler whose job store lives there.
        await TestServers.Postgres.DropDatabaseAsync(DatabaseName().Match(factory.StoreConnectionString).Groups[1].Value);
        using var after = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
        Assert.Equal("""{"status":"not_ready","checks":{"store":"not_ready","scheduler":"not_ready","scheduler-instance":"ready"}}""", await after.Content.ReadAsStringAsync());
        Assert.Contains(factory.Logs.Lines, l => l.Contains("Not ready: the store does not answer", StringComparison.Ordinal));
    }

    [GeneratedRegex("Database=([^;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex DatabaseName();
}
