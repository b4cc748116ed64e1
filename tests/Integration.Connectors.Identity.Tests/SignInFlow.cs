using System.Collections.Specialized;
using System.Net;
using System.Net.Http.Json;
using System.Web;
using Integration.Testing;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Integration.Connectors.Identity.Tests;

/// <summary>
/// Plays the citizen's browser through a VNeID sign-in: the gateway's login, the provider's authorize
/// page (WireMock, called without following redirects), the gateway's callback. The provider's signed
/// id_token comes from <see cref="Provider"/>.
/// </summary>
internal sealed class SignInFlow(GatewayFactory factory, TimeProvider? time = null)
{
    public const string ReturnUrl = "https://one-stop.example.gov.vn/dossiers/new?step=2";
    public const string LoginPath = "/api/v1/identity/vneid/login";
    public const string RedeemPath = "/api/v1/identity/vneid/tickets/redeem";

    private static readonly HttpClient ProviderBrowser = new(new HttpClientHandler { AllowAutoRedirect = false });

    /// <summary>A browser on https (the binding cookie is Secure outside Development): no API key, keeps cookies, does not follow redirects.</summary>
    public HttpClient Browser { get; } = factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false,
        BaseAddress = new Uri("https://localhost"),
    });

    public FakeVneIdProvider Provider { get; } = new(time);

    public static NameValueCollection Query(Uri uri) => HttpUtility.ParseQueryString(uri.Query);

    public static string LoginUrl(string returnUrl) => LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    /// <summary>Redeems a ticket as a calling system does: POST, the ticket and the purpose in the body.</summary>
    public static Task<HttpResponseMessage> RedeemAsync(HttpClient client, string ticket, string? purpose = TestData.Purpose) =>
        client.PostAsJsonAsync(RedeemPath, new { ticket, purpose });

    /// <summary>The gateway's login; returns the provider's authorize URL it redirects to.</summary>
    public async Task<Uri> LoginAsync(string returnUrl = ReturnUrl)
    {
        await Provider.PublishKeysAsync();
        var response = await Browser.GetAsync(LoginUrl(returnUrl));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The provider's authorize page; <paramref name="loginHint"/> picks the test account (mocks/TEST-DATA.md). Returns the callback URL.</summary>
    public static async Task<Uri> AtProviderAsync(Uri authorize, string? loginHint = null)
    {
        var url = loginHint is null ? authorize : new Uri(authorize.AbsoluteUri + "&login_hint=" + loginHint);
        using var response = await ProviderBrowser.GetAsync(url);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The gateway's callback as the provider's redirect reaches it.</summary>
    public Task<HttpResponseMessage> CallbackAsync(Uri callback, HttpClient? browser = null) =>
        (browser ?? Browser).GetAsync(callback.PathAndQuery);

    /// <summary>The whole sign-in; returns where the gateway finally sends the browser.</summary>
    public async Task<Uri> SignInAsync(string? loginHint = null, string returnUrl = ReturnUrl, Func<IdToken, IdToken>? idToken = null)
    {
        var authorize = await LoginAsync(returnUrl);
        await Provider.IssueAsync(authorize, loginHint, idToken);
        var callback = await AtProviderAsync(authorize, loginHint);
        var response = await CallbackAsync(callback);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The whole sign-in; returns the ticket.</summary>
    public async Task<string> TicketAsync(string? loginHint = null, string returnUrl = ReturnUrl)
    {
        var back = await SignInAsync(loginHint, returnUrl);
        return Query(back)["ticket"] ?? throw new Xunit.Sdk.XunitException($"No ticket in {back}");
    }
}
