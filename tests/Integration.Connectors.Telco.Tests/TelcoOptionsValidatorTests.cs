using Integration.Testing;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Telco.Tests;

/// <summary>A wrong Telco setting stops the host at start with a message naming the key.</summary>
public sealed class TelcoOptionsValidatorTests
{
    [Theory]
    [InlineData("Connectors:Telco:Viettel:PartnerKey", "")]
    [InlineData("Connectors:Telco:Vnpt:ClientSecret", "")]
    [InlineData("Connectors:Telco:Mnp:BaseUrl", "not a url")]
    [InlineData("Connectors:Telco:Mobifone:BaseUrl", "ftp://127.0.0.1/mobifone")]
    [InlineData("Connectors:Telco:StaleTtl", "00:01:00")]
    public void Start_WrongSetting_FailsNamingTheKey(string key, string value)
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Settings = { [key] = value } });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient(GatewayFactory.DeskKey));

        var validation = Assert.IsType<OptionsValidationException>(Flatten(ex).FirstOrDefault(e => e is OptionsValidationException));
        Assert.Contains(validation.Failures, f => f.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultsWithAddresses_Succeeds()
    {
        var options = new TelcoOptions
        {
            Mnp = { BaseUrl = "http://127.0.0.1:9090/mnp" },
            Viettel = { BaseUrl = "http://127.0.0.1:9090/viettel", PartnerKey = "k" },
            Vnpt = { BaseUrl = "https://vnpt.example/api", ClientId = "id", ClientSecret = "secret" },
            Mobifone = { BaseUrl = "http://127.0.0.1:9090/mobifone" },
        };

        Assert.True(new TelcoOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromMinutes(5), options.CacheTtl);
    }

    private static IEnumerable<Exception> Flatten(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
