using Integration.Testing;

namespace Integration.Gateway.Tests;

/// <summary>A wrong configuration stops the host at start with a message naming the key.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("Gateway:Clients:0:KeyHash", "not-a-hash", "Gateway:Clients:0:KeyHash")]
    [InlineData("Gateway:Clients:1:Scopes:0", "everything", "Gateway:Clients:1:Scopes")]
    [InlineData("Gateway:Clients:0:PermitPerMinute", "0", "Gateway:Clients:0:PermitPerMinute")]
    [InlineData("Store:Provider", "oracle", "Store:Provider")]
    [InlineData("Privacy:EncryptionKey", "c2hvcnQ=", "Privacy:EncryptionKey")]
    public void Start_InvalidSetting_FailsNamingTheKey(string key, string value, string named)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Settings = { [key] = value } });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains(named, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Start_PostgresWithoutConnectionString_FailsNamingTheKey()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Settings = { ["Store:Provider"] = "postgres", ["Store:ConnectionString"] = "" } });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Store:ConnectionString", ex.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_OnEitherStore_IsReady(bool postgres)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        using var client = factory.CreateClient(apiKey: null);

        // Not ready for a moment after start is right (the clustered scheduler checks in with its store first);
        // a load balancer waits for ready, and so does this test.
        var ready = "";
        await Eventually.TrueAsync(
            async () =>
            {
                using var response = await client.GetAsync("/health/ready");
                ready = await response.Content.ReadAsStringAsync();
                return response.IsSuccessStatusCode;
            },
            "the gateway reports ready");

        Assert.Contains("\"store\":\"ready\"", ready, StringComparison.Ordinal);
    }
}
