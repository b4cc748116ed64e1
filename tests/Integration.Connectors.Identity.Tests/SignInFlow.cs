using System.Collections.Specialized;
using System.Net;
using System.Web;
using Integration.Testing;

namespace Integration.Connectors.Identity.Tests;

/// <summary>
/// Plays the citizen's browser through a VNeID sign-in: the gateway's login, the provider's authorize
/// page (WireMock, called without following redirects), the gateway's callback.
/// </summary>
internal sealed class SignInFlow(GatewayFactory factory)
{
    public const string ReturnUrl = "https://one-stop.example.gov.vn/dossiers/new?step=2";
    public const string LoginPath = "/api/v1/identity/vneid/login";
    public const string TicketsPath = "/api/v1/identity/vneid/tickets/";

    private static readonly HttpClient Provider = new(new HttpClientHandler { AllowAutoRedirect = false });

    /// <summary>A browser: no API key, keeps cookies, does not follow redirects.</summary>
    public HttpClient Browser { get; } = factory.CreateClient((string?)null);

    public static NameValueCollection Query(Uri uri) => HttpUtility.ParseQueryString(uri.Query);

    public static string LoginUrl(string returnUrl) => LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    /// <summary>The gateway's login; returns the provider's authorize URL it redirects to.</summary>
    public async Task<Uri> LoginAsync(string returnUrl = ReturnUrl)
    {
        var response = await Browser.GetAsync(LoginUrl(returnUrl));
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The provider's authorize page; <paramref name="loginHint"/> picks the test account (mocks/TEST-DATA.md). Returns the callback URL.</summary>
    public static async Task<Uri> AtProviderAsync(Uri authorize, string? loginHint = null)
    {
        var url = loginHint is null ? authorize : new Uri(authorize.AbsoluteUri + "&login_hint=" + loginHint);
        using var response = await Provider.GetAsync(url);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The gateway's callback as the provider's redirect reaches it.</summary>
    public Task<HttpResponseMessage> CallbackAsync(Uri callback, HttpClient? browser = null) =>
        (browser ?? Browser).GetAsync(callback.PathAndQuery);

    /// <summary>The whole sign-in; returns where the gateway finally sends the browser.</summary>
    public async Task<Uri> SignInAsync(string? loginHint = null, string returnUrl = ReturnUrl)
    {
        var callback = await AtProviderAsync(await LoginAsync(returnUrl), loginHint);
        var response = await CallbackAsync(callback);
        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        return response.Headers.Location!;
    }

    /// <summary>The whole sign-in; returns the ticket.</summary>
    public async Task<string> TicketAsync(string? loginHint = null)
    {
        var back = await SignInAsync(loginHint);
        return Query(back)["ticket"] ?? throw new Xunit.Sdk.XunitException($"No ticket in {back}");
    }
}
