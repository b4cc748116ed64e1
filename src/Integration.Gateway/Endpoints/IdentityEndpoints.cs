using Integration.Connectors.Identity;
using Integration.Connectors.Identity.VneId;
using Integration.Core.Caching;
using Integration.Core.Validation;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/identity</c>.</summary>
internal static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/v1/identity", "Identity", Scopes.Identity);
        group.MapPost("/citizens/verify", VerifyAsync)
            .Accepts<VerifyCitizenRequest>("application/json")
            .WithSummary("Checks a citizen's ID number, name and date of birth against the population database (C06).")
            .ProducesBodyProblems()
            .ProducesUpstreamProblems();

        // The citizen's browser follows these two, so they carry no API key: the return-URL allow-list,
        // the state bound to the browser, and the per-address rate limit for anonymous callers guard them.
        group.MapGet("/vneid/login", LoginAsync)
            .AllowAnonymous()
            .WithSummary("Sends the citizen's browser to VNeID to sign in; it comes back to returnUrl with a ticket or an error.")
            .ProducesValidationProblems()
            .ProducesUpstreamProblems();
        group.MapGet("/vneid/callback", CallbackAsync)
            .AllowAnonymous()
            .WithSummary("VNeID's redirect back after sign-in (registered at the provider); not called directly.")
            .ProducesValidationProblems();

        // POST with the ticket in the body: a bearer secret in a URL path ends up in access logs and proxies.
        group.MapPost("/vneid/tickets/redeem", RedeemAsync)
            .WithSummary("The verified profile a one-time sign-in ticket stands for, with a purpose (X-Purpose or purpose); a used or expired ticket, or one issued for another client's return URL, is 404.")
            .ProducesBodyProblems()
            .ProducesNotFound()
            .ProducesStoreProblem();
        return app;
    }

    private static async Task<Results<JsonAnswer<VerifyCitizenResponse>, ProblemHttpResult>> VerifyAsync(
        VerifyCitizenRequest? body,
        [FromHeader(Name = LookupPurpose.Header)] string? purposeHeader,
        ICitizenVerifier verifier,
        CancellationToken cancellationToken)
    {
        body ??= new VerifyCitizenRequest(null, null, null, null);
        var verified = await verifier.VerifyAsync(new CitizenVerificationRequest(body.IdNumber, body.FullName, body.DateOfBirth, body.Purpose), purposeHeader, cancellationToken);
        if (!verified.Succeeded)
        {
            return verified.Error.ToProblem();
        }

        var result = verified.Value;
        return new JsonAnswer<VerifyCitizenResponse>(new VerifyCitizenResponse(
            result.Result,
            result.MismatchedFields,
            result.IdentityLevel,
            result.Source,
            result.Stale,
            result.IdNumberMasked,
            result.CheckedAt));
    }

    /// <summary>
    /// The binding cookie is <c>Secure</c> outside Development whatever the request's scheme (behind a
    /// TLS-terminating balancer the gateway may see plain http), so it never travels in clear.
    /// </summary>
    private static bool SecureCookie(HttpContext http) =>
        http.Request.IsHttps || !http.RequestServices.GetRequiredService<IHostEnvironment>().IsDevelopment();

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> LoginAsync(string? returnUrl, IVneIdSignIn signIn, HttpContext http, CancellationToken cancellationToken)
    {
        var begun = await signIn.BeginAsync(returnUrl, cancellationToken);
        NoStore(http);
        if (!begun.Succeeded)
        {
            return begun.Error.ToProblem();
        }

        var start = begun.Value;
        if (start.CookieName is null || start.CookieValue is null)
        {
            return TypedResults.Redirect(start.AuthorizeUrl.AbsoluteUri);
        }

        http.Response.Cookies.Append(start.CookieName, start.CookieValue, new CookieOptions
        {
            HttpOnly = true,
            Secure = SecureCookie(http),
            // Lax: sent on the provider's top-level redirect back to the callback, not on cross-site subrequests.
            SameSite = SameSiteMode.Lax,
            Path = signIn.CookiePath,
            MaxAge = start.Lifetime,
            IsEssential = true,
        });
        return TypedResults.Redirect(start.AuthorizeUrl.AbsoluteUri);
    }

    private static async Task<Results<RedirectHttpResult, ProblemHttpResult>> CallbackAsync(
        string? state,
        string? code,
        string? error,
        IVneIdSignIn signIn,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var cookie = signIn.BindingCookieName(state);
        var binding = cookie is null ? null : http.Request.Cookies[cookie];
        var target = await signIn.CompleteAsync(state, code, error, binding, cancellationToken);
        NoStore(http);
        if (!target.Succeeded)
        {
            // A refused state leaves the browser's cookie alone: the sign-in it binds may still be this browser's to complete.
            return target.Error.ToProblem();
        }

        if (cookie is not null)
        {
            http.Response.Cookies.Delete(cookie, new CookieOptions { Path = signIn.CookiePath, HttpOnly = true, Secure = SecureCookie(http), SameSite = SameSiteMode.Lax });
        }

        // The ticket is in the URL: keep it out of the Referer the return page's resources would get.
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return TypedResults.Redirect(target.Value.AbsoluteUri);
    }

    private static async Task<Results<Ok<VneIdProfileResponse>, ProblemHttpResult>> RedeemAsync(
        RedeemTicketRequest? body,
        [FromHeader(Name = LookupPurpose.Header)] string? purposeHeader,
        IVneIdSignIn signIn,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        NoStore(http);
        var redeemed = await signIn.RedeemAsync(new TicketRedemptionRequest(body?.Ticket, body?.Purpose), purposeHeader, cancellationToken);
        if (!redeemed.Succeeded)
        {
            return redeemed.Error.ToProblem();
        }

        var profile = redeemed.Value;
        return TypedResults.Ok(new VneIdProfileResponse(
            profile.IdNumber,
            profile.IdNumberMasked,
            profile.FullName,
            profile.DateOfBirth,
            profile.PhoneNumber,
            profile.PhoneNumberMasked,
            profile.IdentityLevel,
            profile.AccountType,
            profile.Subject,
            profile.SignedInAt));
    }

    private static void NoStore(HttpContext http) => http.Response.Headers.CacheControl = "no-store";

    /// <summary>The body of a ticket redemption; <c>purpose</c> may come in the <c>X-Purpose</c> header instead (the header wins).</summary>
    internal sealed record RedeemTicketRequest(string? Ticket, string? Purpose);

    /// <summary>The body of a citizen check; <c>purpose</c> may come in the <c>X-Purpose</c> header instead (the header wins).</summary>
    internal sealed record VerifyCitizenRequest(string? IdNumber, string? FullName, string? DateOfBirth, string? Purpose)
    {
        public static ValueTask<VerifyCitizenRequest?> BindAsync(HttpContext context) => BufferedJsonBody.ReadAsync<VerifyCitizenRequest>(context);
    }

    /// <summary>The answer of a citizen check; the ID number only masked.</summary>
    internal sealed record VerifyCitizenResponse(
        CitizenMatch Result,
        IReadOnlyList<CitizenField> MismatchedFields,
        int? IdentityLevel,
        CacheSource Source,
        bool Stale,
        string IdNumberMasked,
        DateTimeOffset CheckedAt);

    /// <summary>
    /// The citizen VNeID vouched for. <c>idNumber</c> is in clear for the authenticated identity-scope
    /// caller, which needs it to open the citizen's dossier; it is never logged.
    /// </summary>
    internal sealed record VneIdProfileResponse(
        string IdNumber,
        string IdNumberMasked,
        string FullName,
        DateOnly? DateOfBirth,
        string? PhoneNumber,
        string? PhoneNumberMasked,
        int IdentityLevel,
        string? AccountType,
        string Subject,
        DateTimeOffset SignedInAt);
}
