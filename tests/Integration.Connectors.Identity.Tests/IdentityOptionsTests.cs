using Integration.Testing;

namespace Integration.Connectors.Identity.Tests;

/// <summary>A wrong setting stops the host at start with a message naming the key.</summary>
public sealed class IdentityOptionsTests
{
    [Theory]
    [InlineData("Connectors:Identity:C06:BaseUrl", "not a url")]
    [InlineData("Connectors:Identity:Lgsp:ClientSecret", "")]
    [InlineData("Connectors:Identity:VneId:AllowedReturnUrls:0:Prefix", "one-stop.example.gov.vn")]
    [InlineData("Connectors:Identity:VneId:AllowedReturnUrls:0:Client", "")]
    [InlineData("Connectors:Identity:VneId:AllowedReturnUrls:1:Client", "nobody-configured")]
    [InlineData("Connectors:Identity:VneId:AllowedReturnUrls:1:Client", "test-ops")]
    [InlineData("Connectors:Identity:C06:StaleTtl", "00:05:00")]
    [InlineData("Connectors:Identity:VneId:TicketLifetime", "02:00:00")]
    public void Start_WrongSetting_FailsNamingTheKey(string key, string value)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Settings = { [key] = value } });

        var error = Record.Exception(() => factory.CreateClient(GatewayFactory.DeskKey));

        Assert.NotNull(error);
        Assert.Contains(key, error.ToString());
    }
}
