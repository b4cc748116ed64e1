using Integration.Connectors.Identity.VneId;
using Integration.Core.Problems;

namespace Integration.Connectors.Identity.Tests;

/// <summary>PKCE, ticket sealing and return-URL rules of the sign-in broker, without a server.</summary>
public sealed class VneIdSecretsTests
{
    private static readonly VneIdReturnUrl[] Allowed =
    [
        new() { Prefix = "https://one-stop.example.gov.vn/", Client = "one-stop" },
        new() { Prefix = "https://portal.example.gov.vn/dvc", Client = "portal" },
        new() { Prefix = "https://portal.example.gov.vn/dvc/thanh-toan/", Client = "payments" },
    ];

    [Fact]
    public void Challenge_Rfc7636AppendixB_S256()
    {
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", SecretTokens.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    [Fact]
    public void New_Always_43UrlSafeCharactersAndDistinct()
    {
        var values = Enumerable.Range(0, 100).Select(_ => SecretTokens.New()).ToList();

        Assert.All(values, v => Assert.True(SecretTokens.IsWellFormed(v)));
        Assert.Equal(100, values.Distinct().Count());
    }

    [Fact]
    public void Seal_OpenedWithSameTicket_RoundTrips()
    {
        var ticket = SecretTokens.New();

        var sealedValue = TicketSeal.Seal(ticket, "profile"u8);

        Assert.Equal("profile"u8.ToArray(), TicketSeal.Open(ticket, sealedValue));
        Assert.Null(TicketSeal.Open(SecretTokens.New(), sealedValue));
        Assert.Null(TicketSeal.Open(ticket, "not base64!"));
        Assert.NotEqual(ticket, TicketSeal.Id(ticket));
        Assert.Equal(TicketSeal.Id(ticket), TicketSeal.Id(ticket));
    }

    [Theory]
    [InlineData("https://one-stop.example.gov.vn/")]
    [InlineData("https://one-stop.example.gov.vn/a/b?c=d")]
    [InlineData("https://portal.example.gov.vn/dvc")]
    [InlineData("https://portal.example.gov.vn/dvc/ho-so")]
    public void Check_UnderAnAllowedPrefix_Accepted(string returnUrl)
    {
        Assert.Equal(new Uri(returnUrl), ReturnUrlPolicy.Check(returnUrl, Allowed).Value?.Url);
    }

    [Theory]
    [InlineData("https://one-stop.example.gov.vn/a", "one-stop")]
    [InlineData("https://portal.example.gov.vn/dvc/ho-so", "portal")]
    [InlineData("https://portal.example.gov.vn/dvc/thanh-toan/1", "payments")]
    public void Check_NestedPrefixes_MostSpecificOwnerGetsTheTicket(string returnUrl, string owner)
    {
        Assert.Equal(owner, ReturnUrlPolicy.Check(returnUrl, Allowed).Value?.Client);
    }

    [Theory]
    [InlineData("https://portal.example.gov.vn/dvcx")]
    [InlineData("https://portal.example.gov.vn/")]
    [InlineData("https://portal.example.gov.vn/DVC")]
    [InlineData("https://portal.example.gov.vn/dvc/../admin")]
    [InlineData("https://portal.example.gov.vn/dvc/%2e%2e/admin")]
    [InlineData("https://one-stop.example.gov.vn.evil.example/")]
    public void Check_OutsideEveryPrefix_ReturnUrlNotAllowed(string returnUrl)
    {
        var result = ReturnUrlPolicy.Check(returnUrl, Allowed);

        Assert.False(result.Succeeded);
        Assert.IsType<IdentityError.ReturnUrlNotAllowed>(result.Error);
        Assert.Equal("return_url_not_allowed", result.Error.Code);
    }

    [Theory]
    [InlineData(null, "missing_field")]
    [InlineData(" ", "missing_field")]
    [InlineData("/dvc/relative", "invalid_field")]
    [InlineData("https://portal.example.gov.vn/dvc?error=planted", "invalid_field")]
    public void Check_MissingOrMalformed_InvalidNamingReturnUrl(string? returnUrl, string code)
    {
        var result = ReturnUrlPolicy.Check(returnUrl, Allowed);

        var invalid = Assert.IsType<IdentityError.Invalid>(result.Error);
        var error = Assert.Single(invalid.Errors);
        Assert.Equal("returnUrl", error.Field);
        Assert.Equal(code, error.Code);
        Assert.Equal(code, invalid.Code);
    }

    [Theory]
    [InlineData("https://a.example/p", "https://a.example/p?ticket=T")]
    [InlineData("https://a.example/p?x=1", "https://a.example/p?x=1&ticket=T")]
    [InlineData("https://a.example/p?x=1#frag", "https://a.example/p?x=1&ticket=T#frag")]
    public void With_ReturnUrl_AddsParameterBeforeFragment(string returnUrl, string expected)
    {
        Assert.Equal(expected, ReturnUrlPolicy.With(new Uri(returnUrl), "ticket", "T").AbsoluteUri);
    }
}
