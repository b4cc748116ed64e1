using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Security;

internal static class SecurityServiceCollectionExtensions
{
    public const string ClientRateLimit = "per-client";
    public const string CallbackRateLimit = "callbacks";

    /// <summary>
    /// Forwarded headers from <c>Gateway:KnownProxies</c> only: first in the pipeline, so the rate
    /// limits, <c>Request.IsHttps</c> and the logs see the citizen's address and scheme.
    /// </summary>
    public static IApplicationBuilder UseGatewayForwardedHeaders(this IApplicationBuilder app) => app.UseForwardedHeaders();

    /// <summary>
    /// API-key authentication of every request (see <see cref="ApiKeyMiddleware"/>), then the routes' scope policies. The
    /// host adds the framework's authentication middleware at the front of the pipeline by itself whenever
    /// authentication services are registered (the <c>ApiKey</c> scheme is, for its 401 and 403) unless the property
    /// its own <c>UseAuthentication</c> sets is present; it is set here, or every request would be authenticated twice.
    /// </summary>
    public static IApplicationBuilder UseGatewayAuthentication(this IApplicationBuilder app)
    {
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        app.Properties[AuthorizationMiddlewareSetKey] = true;
        return app.UseMiddleware<ApiKeyMiddleware>().UseMiddleware<ScopeAuthorizationMiddleware>();
    }

    /// <summary>The property <c>UseAuthentication</c> sets (<c>AuthAppBuilderExtensions</c>) and the host looks for.</summary>
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";

    /// <summary>
    /// The property <c>UseAuthorization</c> sets (<c>AuthorizationAppBuilderExtensions</c>): without it the host would
    /// add the framework's authorization middleware in front of <see cref="ScopeAuthorizationMiddleware"/>, which
    /// already runs it for every request it does not settle itself.
    /// </summary>
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    /// <summary>API-key authentication, one policy per scope, and per-client rate limits.</summary>
    public static IServiceCollection AddGatewaySecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        services.AddSingleton<IValidateOptions<GatewayOptions>, UpstreamTransportValidator>();
        services.AddSingleton<IValidateOptions<GatewayOptions>, VneIdOwnersValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((o, g) => ForwardedAddresses.Configure(o, g.Value));
        services.AddHostedService<SecurityStartLog>();

        services.AddSingleton<ApiKeyClients>();
        services.AddTransient<ApiKeyAuthenticationHandler>();
        services.AddAuthentication(o =>
        {
            o.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
            o.DefaultScheme = ApiKeyAuthenticationHandler.SchemeName;
        });
        services.AddAuthorization(o =>
        {
            foreach (var (policy, scopes) in Scopes.Policies)
            {
                o.AddPolicy(policy, p =>
                {
                    p.RequireAuthenticatedUser();
                    foreach (var scope in scopes)
                    {
                        p.RequireClaim(Scopes.ClaimType, scope);
                    }
                });
            }
        });

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // A client by its own window (its PermitPerMinute, see ApiClientPrincipal); the anonymous routes (VNeID's
            // browser redirects) by source address.
            o.AddPolicy(ClientRateLimit, context => context.User is ApiClientPrincipal client
                ? client.RateLimit
                : RateLimitPartition.GetFixedWindowLimiter(
                    "anonymous:" + ForwardedAddresses.PartitionKey(context.Connection.RemoteIpAddress),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = 60, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // Payment callbacks carry no API key (the signature authenticates them): limit per source address.
            o.AddPolicy(CallbackRateLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                "callback:" + ForwardedAddresses.PartitionKey(context.Connection.RemoteIpAddress),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = 1200, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = (context, _) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }
}

/// <summary>States at start what an operator must know about the gateway's exposure.</summary>
internal sealed class SecurityStartLog(IOptions<GatewayOptions> options, IHostEnvironment environment, IConfiguration configuration, ILogger<SecurityStartLog> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.KnownProxies.Count > 0)
        {
            Log.ForwardedHeadersFrom(logger, string.Join(", ", o.KnownProxies));
        }

        if (environment.IsProduction() && o.AllowHttpUpstreams)
        {
            var keys = UpstreamTransportValidator.HttpUpstreams(configuration).Select(e => e.Key).ToList();
            if (keys.Count > 0)
            {
                Log.HttpUpstreamsAllowed(logger, string.Join(", ", keys));
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
