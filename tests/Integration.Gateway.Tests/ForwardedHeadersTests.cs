using System.Net;
using Integration.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Gateway.Tests;

/// <summary>
/// Behind a load balancer: the per-address limits of the anonymous routes (VNeID sign-in, payment
/// callbacks) count per citizen when the balancer is a configured known proxy, and cannot be dodged
/// with a forged <c>X-Forwarded-For</c> from anywhere else.
/// </summary>
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private const string Balancer = "10.20.0.5";
    private const string LoginUrl = "/api/v1/identity/vneid/login?returnUrl=https%3A%2F%2Fone-stop.example.gov.vn%2F";

    /// <summary>The anonymous per-address budget of the sign-in routes, per minute.</summary>
    private const int AnonymousPerMinute = 60;

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Login_ThroughKnownProxy_LimitedPerCitizenNotPerBalancer()
    {
        using var factory = Factory("10.20.0.0/24");
        var browser = factory.CreateClient((string?)null);

        var first = await LoginsUntilLimitedAsync(browser, Balancer, "203.0.113.7");
        var other = await LoginAsync(browser, Balancer, "203.0.113.8");

        Assert.Equal(AnonymousPerMinute, first);
        Assert.Equal(HttpStatusCode.Found, other.StatusCode);
    }

    [Fact]
    public async Task Login_ForgedForwardedForFromUnknownPeer_IgnoredAndLimitedPerPeer()
    {
        using var factory = Factory(Balancer);
        var browser = factory.CreateClient((string?)null);

        // Every request claims another client address; the peer is not a known proxy, so it is one caller.
        var allowed = 0;
        for (var i = 0; i <= AnonymousPerMinute; i++)
        {
            var response = await LoginAsync(browser, "198.51.100.9", $"203.0.113.{i + 1}");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }

            allowed++;
        }

        Assert.Equal(AnonymousPerMinute, allowed);
    }

    [Fact]
    public async Task Login_Ipv6Clients_PartitionedBySlash64()
    {
        using var factory = Factory(Balancer);
        var browser = factory.CreateClient((string?)null);

        var used = await LoginsUntilLimitedAsync(browser, Balancer, "2001:db8:1:2::1");
        var sameSlash64 = await LoginAsync(browser, Balancer, "2001:db8:1:2:ffff:eeee:dddd:cccc");
        var otherSlash64 = await LoginAsync(browser, Balancer, "2001:db8:1:3::1");

        Assert.Equal(AnonymousPerMinute, used);
        Assert.Equal(HttpStatusCode.TooManyRequests, sameSlash64.StatusCode);
        Assert.Equal(HttpStatusCode.Found, otherSlash64.StatusCode);
    }

    [Fact]
    public async Task PaymentCallback_ThroughKnownProxy_LimitedPerSender()
    {
        using var factory = Factory(Balancer);
        var client = factory.CreateClient((string?)null);
        const int callbackPerMinute = 1200;

        var limited = 0;
        for (var i = 0; i <= callbackPerMinute && limited == 0; i++)
        {
            using var request = Forwarded(HttpMethod.Get, "/api/v1/payments/callbacks/vnpay", Balancer, "203.0.113.50");
            using var response = await client.SendAsync(request);
            limited = response.StatusCode == HttpStatusCode.TooManyRequests ? i : 0;
        }

        using var fromAnotherBank = Forwarded(HttpMethod.Get, "/api/v1/payments/callbacks/vnpay", Balancer, "203.0.113.51");
        using var other = await client.SendAsync(fromAnotherBank);

        Assert.Equal(callbackPerMinute, limited);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, other.StatusCode);
    }

    [Theory]
    [InlineData("Testing", "http", true)]
    [InlineData("Production", "http", true)]
    [InlineData("Development", "http", false)]
    [InlineData("Development", "https", true)]
    public async Task Login_BindingCookie_SecureOutsideDevelopmentWhateverTheScheme(string environment, string forwardedProto, bool secure)
    {
        using var factory = Factory(Balancer, environment);
        var browser = factory.CreateClient((string?)null);
        using var request = Forwarded(HttpMethod.Get, LoginUrl, Balancer, "203.0.113.7");
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", cookie, StringComparison.Ordinal);
        Assert.Equal(secure, cookie.Contains("; secure", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("balancer.internal")]
    [InlineData("10.0.0.300")]
    public void Start_KnownProxyNotAnAddressOrNetwork_FailsNamingTheKey(string value)
    {
        using var factory = Factory(value);

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Gateway:KnownProxies:0", ex.ToString(), StringComparison.Ordinal);
    }

    private static GatewayFactory Factory(string knownProxy, string environment = "Testing") => new(new GatewayFactoryOptions
    {
        Environment = environment,
        Settings = { ["Gateway:KnownProxies:0"] = knownProxy, ["Gateway:AllowHttpUpstreams"] = "true" },
        // The test server has no socket: this stands in for the address the connection comes from.
        Services = s => s.AddSingleton<IStartupFilter, PeerAddressFilter>(),
    });

    private static HttpRequestMessage Forwarded(HttpMethod method, string url, string peer, string forwardedFor)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add(PeerAddressFilter.Header, peer);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    private static async Task<HttpResponseMessage> LoginAsync(HttpClient browser, string peer, string forwardedFor)
    {
        using var request = Forwarded(HttpMethod.Get, LoginUrl, peer, forwardedFor);
        return await browser.SendAsync(request);
    }

    /// <summary>Logins from one client until the first 429; returns how many were let through.</summary>
    private static async Task<int> LoginsUntilLimitedAsync(HttpClient browser, string peer, string forwardedFor)
    {
        for (var i = 0; i <= AnonymousPerMinute; i++)
        {
            using var response = await LoginAsync(browser, peer, forwardedFor);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return i;
            }

            Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        }

        return AnonymousPerMinute + 1;
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public const string Header = "X-Test-Peer";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(Header, out var peer))
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                    context.Request.Headers.Remove(Header);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
