using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using System.Net.Http.Json;
using Integration.Connectors.Identity.VneId;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Integration.Connectors.Identity.Tests.TestData;

namespace Integration.Connectors.Identity.Tests;

/// <summary>The VNeID sign-in broker end to end: login, the provider (WireMock), callback, ticket.</summary>
public sealed class VneIdSignInTests : IAsyncLifetime
{
    private const string TokenPath = "/vneid/oauth2/token";

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Login_AllowedReturnUrl_RedirectsToProviderWithStateAndPkceS256()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var response = await flow.Browser.GetAsync(SignInFlow.LoginUrl(SignInFlow.ReturnUrl));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var authorize = response.Headers.Location!;
        Assert.Equal(GatewayFactory.WireMock.Url("/vneid/oauth2/authorize"), authorize.GetLeftPart(UriPartial.Path));
        var query = SignInFlow.Query(authorize);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("dev-gateway", query["client_id"]);
        Assert.Equal("http://localhost/api/v1/identity/vneid/callback", query["redirect_uri"]);
        Assert.Equal("openid", query["scope"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["state"]);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["nonce"]);
        Assert.NotEqual(query["state"], query["nonce"]);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["code_challenge"]);
        Assert.Null(query["client_secret"]);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("vneid-" + query["state"]![..16] + "=", cookie);
        Assert.Contains("path=/api/v1/identity/vneid/callback", cookie);
        Assert.Contains("httponly", cookie);
        Assert.Contains("samesite=lax", cookie);
        Assert.Contains("; secure", cookie);
    }

    [Fact]
    public async Task SignIn_Level2Citizen_TicketRedeemsOnceToVerifiedProfile()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var authorize = await flow.LoginAsync();
        await flow.Provider.IssueAsync(authorize);
        var callback = await SignInFlow.AtProviderAsync(authorize);
        Assert.Equal("http://localhost/api/v1/identity/vneid/callback", callback.GetLeftPart(UriPartial.Path));

        var back = await flow.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.Found, back.StatusCode);
        Assert.Equal("no-referrer", back.Headers.GetValues("Referrer-Policy").Single());
        var target = back.Headers.Location!;
        Assert.StartsWith(SignInFlow.ReturnUrl + "&ticket=", target.AbsoluteUri);
        var ticket = SignInFlow.Query(target)["ticket"]!;

        // PKCE: the verifier sent with the code is the one whose S256 challenge went to the provider.
        var exchange = Assert.Single(await GatewayFactory.WireMock.FindRequestsAsync("POST", TokenPath));
        var form = HttpUtility.ParseQueryString(exchange.Body);
        Assert.Equal("vneid-code-level2." + SignInFlow.Query(authorize)["nonce"], form["code"]);
        Assert.Equal(Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"]!))), SignInFlow.Query(authorize)["code_challenge"]);

        var desk = factory.CreateClient(GatewayFactory.DeskKey);
        var redeemed = await SignInFlow.RedeemAsync(desk, ticket);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        var profile = await JsonAsync(redeemed);
        Assert.Equal(An.IdNumber, (string?)profile["idNumber"]);
        Assert.Equal("001*******45", (string?)profile["idNumberMasked"]);
        Assert.Equal("Nguyễn Văn An", (string?)profile["fullName"]);
        Assert.Equal("1985-03-15", (string?)profile["dateOfBirth"]);
        Assert.Equal("+84912345678", (string?)profile["phoneNumber"]);
        Assert.Equal("+8491*****78", (string?)profile["phoneNumberMasked"]);
        Assert.Equal(2, (int?)profile["identityLevel"]);
        Assert.Equal("CONG_DAN", (string?)profile["accountType"]);
        Assert.Equal("vneid-sub-0002", (string?)profile["subject"]);

        var replayed = await SignInFlow.RedeemAsync(desk, ticket);
        Assert.Equal(HttpStatusCode.NotFound, replayed.StatusCode);
        Assert.Equal("not_found", (string?)(await JsonAsync(replayed))["code"]);

        var audit = await AuditRowsAsync(factory);
        Assert.Contains(audit, r => r is { Action: "vneid_sign_in", SubjectMasked: "001*******45", Result: "signed_in_level_2" });
        Assert.Contains(audit, r => r is { Action: "vneid_ticket_redeem", Client: "test-desk", SubjectMasked: "001*******45", Result: "redeemed", Purpose: Purpose });
        Assert.Contains(audit, r => r is { Action: "vneid_ticket_redeem", Client: "test-desk", Result: "not_found", Purpose: Purpose });
        await AssertNoIdNumberLeakedAsync(factory);
    }

    [Fact]
    public async Task SignIn_Level1CitizenBackToAnotherSystem_ThatSystemRedeemsLevel1()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var ticket = await flow.TicketAsync(loginHint: "level1", returnUrl: "https://identity-desk.example.gov.vn/back");

        var profile = await JsonAsync(await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.IdentityOnlyKey), ticket));
        Assert.Equal(1, (int?)profile["identityLevel"]);
        Assert.Equal("Trần Thị Bình", (string?)profile["fullName"]);
        Assert.Equal("079*******34", (string?)profile["idNumberMasked"]);
        await AssertNoIdNumberLeakedAsync(factory);
    }

    [Fact]
    public async Task Ticket_AfterTicketLifetime_404()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = clock });
        var flow = new SignInFlow(factory, clock);
        var ticket = await flow.TicketAsync();

        clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var response = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Ticket_WithinTicketLifetime_Redeemed()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = clock });
        var flow = new SignInFlow(factory, clock);
        var ticket = await flow.TicketAsync();

        clock.Advance(TimeSpan.FromMinutes(4));
        var response = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("not-a-ticket")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Ticket_Unknown_404(string ticket)
    {
        using var factory = new GatewayFactory();

        var response = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (string?)(await JsonAsync(response))["code"]);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData(GatewayFactory.OpsKey, HttpStatusCode.Forbidden)]
    public async Task Ticket_WithoutIdentityScope_RefusedAndTicketStillValid(string? key, HttpStatusCode expected)
    {
        using var factory = new GatewayFactory();
        var ticket = await new SignInFlow(factory).TicketAsync();

        var refused = await SignInFlow.RedeemAsync(factory.CreateClient(key), ticket);
        var redeemed = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(expected, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
    }

    [Fact]
    public async Task Callback_UnknownState_400AndNoCodeExchange()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var callback = await SignInFlow.AtProviderAsync(await flow.LoginAsync());
        var forged = new Uri(callback.GetLeftPart(UriPartial.Path) + "?code=vneid-code-level2&state=" + new string('x', 43));

        var response = await flow.CallbackAsync(forged);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("sign_in_state_invalid", (string?)(await JsonAsync(response))["code"]);
        Assert.Null(response.Headers.Location);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", TokenPath));
    }

    [Fact]
    public async Task Callback_WithoutState_400()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var response = await flow.Browser.GetAsync("/api/v1/identity/vneid/callback?code=vneid-code-level2");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("sign_in_state_invalid", (string?)(await JsonAsync(response))["code"]);
    }

    [Fact]
    public async Task Callback_Replayed_400AndCodeExchangedOnce()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var authorize = await flow.LoginAsync();
        await flow.Provider.IssueAsync(authorize);
        var callback = await SignInFlow.AtProviderAsync(authorize);
        var first = await flow.CallbackAsync(callback);
        Assert.Equal(HttpStatusCode.Found, first.StatusCode);
        Assert.NotNull(SignInFlow.Query(first.Headers.Location!)["ticket"]);

        var again = await flow.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal("sign_in_state_invalid", (string?)(await JsonAsync(again))["code"]);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", TokenPath));
    }

    [Fact]
    public async Task Callback_FromAnotherBrowser_400AndTheCitizensOwnStillCompletes()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var authorize = await flow.LoginAsync();
        await flow.Provider.IssueAsync(authorize);
        var callback = await SignInFlow.AtProviderAsync(authorize);
        var otherBrowser = factory.CreateClient((string?)null);

        var stolen = await flow.CallbackAsync(callback, otherBrowser);
        var own = await flow.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Equal("sign_in_state_invalid", (string?)(await JsonAsync(stolen))["code"]);
        Assert.Equal(HttpStatusCode.Found, own.StatusCode);
        Assert.NotNull(SignInFlow.Query(own.Headers.Location!)["ticket"]);
    }

    [Fact]
    public async Task Callback_AfterSignInLifetime_400()
    {
        var clock = new FakeTimeProvider(TestClock.Start);
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = clock });
        var flow = new SignInFlow(factory);
        var callback = await SignInFlow.AtProviderAsync(await flow.LoginAsync());

        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        var response = await flow.CallbackAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", TokenPath));
    }

    public static TheoryData<string?, string> RefusedReturnUrls => new()
    {
        { null, "missing_field" },
        { "https://evil.example/phish", "return_url_not_allowed" },
        { "https://one-stop.example.gov.vn.evil.example/", "return_url_not_allowed" },
        { "http://one-stop.example.gov.vn/", "return_url_not_allowed" },
        { "https://one-stop.example.gov.vn:8443/", "return_url_not_allowed" },
        { "https://evil.example/?next=https://one-stop.example.gov.vn/", "return_url_not_allowed" },
        { "//evil.example/", "invalid_field" },
        { "/relative/path", "invalid_field" },
        { "javascript:alert(1)", "invalid_field" },
        { "https://one-stop.example.gov.vn@evil.example/", "invalid_field" },
        { "https://one-stop.example.gov.vn\\@evil.example/", "invalid_field" },
        { "https://one-stop.example.gov.vn/?ticket=planted", "invalid_field" },
    };

    [Theory]
    [MemberData(nameof(RefusedReturnUrls))]
    public async Task Login_ReturnUrlNotAllowed_400WithoutRedirect(string? returnUrl, string code)
    {
        using var factory = new GatewayFactory();
        var browser = factory.CreateClient((string?)null);

        var response = await browser.GetAsync(returnUrl is null ? SignInFlow.LoginPath : SignInFlow.LoginUrl(returnUrl));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        var problem = await JsonAsync(response);
        Assert.Equal(code, (string?)problem["code"]);
        Assert.Equal("returnUrl", (string?)problem["errors"]![0]!["field"]);
    }

    [Theory]
    [InlineData("https://one-stop.example.gov.vn/")]
    [InlineData("https://ONE-STOP.example.gov.vn/dossiers?x=1#top")]
    public async Task Login_ReturnUrlUnderAllowedPrefix_Redirects(string returnUrl)
    {
        using var factory = new GatewayFactory();

        var response = await factory.CreateClient((string?)null).GetAsync(SignInFlow.LoginUrl(returnUrl));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
    }

    [Fact]
    public async Task Callback_ConsentDenied_EndsOnReturnUrlWithAccessDenied()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var back = await flow.SignInAsync(loginHint: "deny");

        Assert.Equal(SignInFlow.ReturnUrl + "&error=access_denied", back.AbsoluteUri);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("POST", TokenPath));
    }

    [Fact]
    public async Task Callback_InvalidCode_EndsOnReturnUrlWithInvalidGrant()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var callback = await SignInFlow.AtProviderAsync(await flow.LoginAsync());
        var tampered = new Uri(callback.AbsoluteUri.Replace("code=vneid-code-level2", "code=expired-or-made-up", StringComparison.Ordinal));

        var response = await flow.CallbackAsync(tampered);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(SignInFlow.ReturnUrl + "&error=invalid_grant", response.Headers.Location!.AbsoluteUri);
        Assert.Equal(0, await GatewayFactory.WireMock.CountRequestsAsync("GET", "/vneid/oauth2/userinfo"));
    }

    [Fact]
    public async Task Callback_ProviderTokenEndpointDown_EndsWithTemporarilyUnavailableAndCodeSentOnce()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "POST", ["urlPath"] = TokenPath },
            ["response"] = new JsonObject { ["status"] = 503 },
        });

        var back = await flow.SignInAsync();

        Assert.Equal(SignInFlow.ReturnUrl + "&error=temporarily_unavailable", back.AbsoluteUri);
        // An authorization code is good for one exchange: the POST is not retried.
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", TokenPath));
    }

    [Fact]
    public async Task Login_ManyFromOneAddress_RateLimited()
    {
        using var factory = new GatewayFactory();
        var browser = factory.CreateClient((string?)null);

        HttpResponseMessage? limited = null;
        for (var i = 0; i < 61 && limited is null; i++)
        {
            var response = await browser.GetAsync(SignInFlow.LoginUrl(SignInFlow.ReturnUrl));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter is not null);
    }

    /// <summary>One thing wrong with an otherwise correct id_token.</summary>
    private static IdToken Wrong(string what, IdToken t) => what switch
    {
        "forged" => t with { Key = RSA.Create(2048) }, // signed by another key under the provider's key id
        "nonce" => t with { Nonce = new string('n', 43) }, // the nonce of another sign-in
        "audience" => t with { Audience = "another-relying-party" },
        "issuer" => t with { Issuer = "https://vneid.evil.example" },
        "expired" => t with { IssuedAt = t.IssuedAt.AddMinutes(-20), Expires = t.IssuedAt.AddMinutes(-10) },
        "sub" => t with { Subject = "vneid-sub-0001" }, // another citizen than userinfo's
        _ => throw new ArgumentOutOfRangeException(nameof(what)),
    };

    [Theory]
    [InlineData("forged")]
    [InlineData("nonce")]
    [InlineData("audience")]
    [InlineData("issuer")]
    [InlineData("expired")]
    [InlineData("sub")]
    public async Task Callback_IdTokenNotValid_EndsOnReturnUrlWithErrorAndNoTicket(string what)
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var back = await flow.SignInAsync(idToken: t => Wrong(what, t));

        Assert.True(SignInFlow.ReturnUrl + "&error=sign_in_failed" == back.AbsoluteUri, $"{what}: ended on {back}");
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("POST", FakeVneIdProvider.TokenPath));
        Assert.Equal(0, await TicketCountAsync(factory));
        var audit = await AuditRowsAsync(factory);
        Assert.Contains(audit, r => r is { Action: "vneid_sign_in", Result: "sign_in_failed" });
        Assert.DoesNotContain(audit, r => r.Result.StartsWith("signed_in", StringComparison.Ordinal));
        Assert.Contains(factory.Logs.Lines, l => l.Contains("VNeID sign-in failed with sign_in_failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_IdTokenCorrect_Control_TicketIssued()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);

        var back = await flow.SignInAsync();

        Assert.NotNull(SignInFlow.Query(back)["ticket"]);
        Assert.Equal(1, await GatewayFactory.WireMock.CountRequestsAsync("GET", FakeVneIdProvider.JwksPath));
    }

    [Fact]
    public async Task Callback_ProviderRotatedItsKey_KeysReadAgainAndSignInCompletes()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        var authorize = await flow.LoginAsync(); // discovery and the first key are read and cached here
        using var rotated = new FakeVneIdProvider();
        await rotated.IssueAsync(authorize); // a new key id, published after the gateway cached the old set

        var back = await flow.CallbackAsync(await SignInFlow.AtProviderAsync(authorize));

        Assert.NotNull(SignInFlow.Query(back.Headers.Location!)["ticket"]);
        // Read at login, read again for this sign-in (and perhaps once more by the cache's background refresh).
        Assert.InRange(await GatewayFactory.WireMock.CountRequestsAsync("GET", FakeVneIdProvider.JwksPath), 2, 3);
    }

    [Fact]
    public async Task Callback_UnsignedIdTokenOfTheMocks_Refused()
    {
        using var factory = new GatewayFactory();
        var flow = new SignInFlow(factory);
        await flow.Provider.PublishKeysAsync();

        // No token answer of the test's: the mocks' own, whose id_token is for the signing proxy to sign (mocks/TEST-DATA.md).
        var back = await flow.CallbackAsync(await SignInFlow.AtProviderAsync(await flow.LoginAsync()));

        Assert.Equal(SignInFlow.ReturnUrl + "&error=sign_in_failed", back.Headers.Location!.AbsoluteUri);
    }

    [Fact]
    public async Task Ticket_RedeemedByAnotherClient_404AndItsOwnerStillRedeemsIt()
    {
        using var factory = new GatewayFactory();
        var ticket = await new SignInFlow(factory).TicketAsync();

        var other = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.IdentityOnlyKey), ticket);
        var owner = await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket);

        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal("not_found", (string?)(await JsonAsync(other))["code"]);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
        var audit = await AuditRowsAsync(factory);
        Assert.Contains(audit, r => r is { Action: "vneid_ticket_redeem", Client: "test-identity-only", Result: "not_found" });
        Assert.Contains(audit, r => r is { Action: "vneid_ticket_redeem", Client: "test-desk", Result: "redeemed" });
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task Ticket_WithoutPurpose_400MissingPurposeAndTicketStillValid(string? purpose)
    {
        using var factory = new GatewayFactory();
        var ticket = await new SignInFlow(factory).TicketAsync();
        var desk = factory.CreateClient(GatewayFactory.DeskKey);

        var refused = await SignInFlow.RedeemAsync(desk, ticket, purpose);
        var redeemed = await SignInFlow.RedeemAsync(desk, ticket);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await JsonAsync(refused);
        Assert.Equal("missing_purpose", (string?)problem["code"]);
        Assert.Equal("purpose", (string?)problem["errors"]![0]!["field"]);
        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
    }

    [Fact]
    public async Task RedeemAsync_NoTicketNoPurpose_InvalidNamingBothAndNothingRead()
    {
        using var factory = new GatewayFactory();
        using var scope = factory.Services.CreateScope();
        var signIn = scope.ServiceProvider.GetRequiredService<IVneIdSignIn>();

        var result = await signIn.RedeemAsync(new TicketRedemptionRequest(null, " "), null, CancellationToken.None);

        var invalid = Assert.IsType<IdentityError.Invalid>(result.Error);
        Assert.Equal("validation_failed", invalid.Code);
        Assert.Equal(["purpose:missing_purpose", "ticket:missing_field"], invalid.Errors.Select(e => $"{e.Field}:{e.Code}"));
        Assert.DoesNotContain(await AuditRowsAsync(factory), r => r.Action == "vneid_ticket_redeem");
    }

    [Fact]
    public async Task RedeemAsync_UnknownTicketPurposeInHeader_TicketNotFoundAuditedWithThePurpose()
    {
        using var factory = new GatewayFactory();
        using var scope = factory.Services.CreateScope();
        var signIn = scope.ServiceProvider.GetRequiredService<IVneIdSignIn>();

        var result = await signIn.RedeemAsync(new TicketRedemptionRequest(SecretTokens.New(), "ignored: the header wins"), "1.001234 dang ky khai sinh", CancellationToken.None);

        Assert.IsType<IdentityError.TicketNotFound>(result.Error);
        Assert.Equal("not_found", result.Error.Code);
        Assert.Contains(await AuditRowsAsync(factory), r => r is { Action: "vneid_ticket_redeem", Result: "not_found", Purpose: "1.001234 dang ky khai sinh" });
    }

    [Fact]
    public async Task Ticket_PurposeInHeader_AuditedWithIt()
    {
        using var factory = new GatewayFactory();
        var ticket = await new SignInFlow(factory).TicketAsync();
        var desk = factory.CreateClient(GatewayFactory.DeskKey);
        desk.DefaultRequestHeaders.Add("X-Purpose", "1.001234 dang ky khai sinh");

        var redeemed = await desk.PostAsJsonAsync(SignInFlow.RedeemPath, new { ticket });

        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        Assert.Contains(await AuditRowsAsync(factory), r => r is { Action: "vneid_ticket_redeem", Result: "redeemed", Purpose: "1.001234 dang ky khai sinh" });
    }

    [Fact]
    public async Task Ticket_InTheUrlPath_NotARoute()
    {
        using var factory = new GatewayFactory();
        var ticket = await new SignInFlow(factory).TicketAsync();

        var byGet = await factory.CreateClient(GatewayFactory.DeskKey).GetAsync("/api/v1/identity/vneid/tickets/" + ticket);

        Assert.Equal(HttpStatusCode.NotFound, byGet.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignInFlow.RedeemAsync(factory.CreateClient(GatewayFactory.DeskKey), ticket)).StatusCode);
    }

    [Fact]
    public async Task Login_ProviderDiscoveryDown_BackToReturnUrlWithTemporarilyUnavailableAndNoCookie()
    {
        using var factory = new GatewayFactory();
        await GatewayFactory.WireMock.AddMappingAsync(new JsonObject
        {
            ["priority"] = 1,
            ["request"] = new JsonObject { ["method"] = "GET", ["urlPath"] = "/vneid/.well-known/openid-configuration" },
            ["response"] = new JsonObject { ["status"] = 503 },
        });

        var response = await new SignInFlow(factory).Browser.GetAsync(SignInFlow.LoginUrl(SignInFlow.ReturnUrl));

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(SignInFlow.ReturnUrl + "&error=temporarily_unavailable", response.Headers.Location!.AbsoluteUri);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
