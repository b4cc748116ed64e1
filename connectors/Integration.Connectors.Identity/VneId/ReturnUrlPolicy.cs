using Integration.Core.Problems;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// Decides where a sign-in may end: only under one of <c>VneId:AllowedReturnUrls</c>, compared as
/// parsed URLs (scheme, host and port equal, path under the prefix's path), never as strings, so
/// <c>https://portal.gov.vn.evil.example/</c> does not pass for <c>https://portal.gov.vn</c>.
/// </summary>
internal static class ReturnUrlPolicy
{
    public const string NotAllowedCode = "return_url_not_allowed";
    public const int MaxLength = 2048;

    /// <summary>Names the broker adds to the return URL; a return URL that already carries one is refused.</summary>
    public static readonly IReadOnlySet<string> ReservedParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ticket", "error" };

    public static bool IsValidPrefix(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    /// <summary>
    /// The URL to send the browser back to and the client owning it; <see cref="IdentityError.Invalid"/> naming
    /// <c>returnUrl</c> when it is missing or malformed, <see cref="IdentityError.ReturnUrlNotAllowed"/> when it is
    /// outside every prefix.
    /// </summary>
    public static Result<ReturnTarget, IdentityError> Check(string? returnUrl, IReadOnlyList<VneIdReturnUrl> allowedPrefixes)
    {
        if (string.IsNullOrWhiteSpace(returnUrl))
        {
            return Invalid(ProblemCodes.MissingField, "returnUrl is required: where the citizen goes back after signing in.");
        }

        if (returnUrl.Length > MaxLength
            || returnUrl.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\')
            || !Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0
            || uri.AbsolutePath.Contains("%2e", StringComparison.OrdinalIgnoreCase))
        {
            return Invalid(ProblemCodes.InvalidField, "returnUrl must be an absolute http or https URL.");
        }

        // The most specific prefix owns the URL when prefixes nest.
        var owner = allowedPrefixes
            .Select(p => (Entry: p, Prefix: Uri.TryCreate(p.Prefix, UriKind.Absolute, out var prefix) ? prefix : null))
            .Where(p => p.Prefix is not null && IsUnder(uri, p.Prefix))
            .OrderByDescending(p => p.Prefix!.AbsolutePath.Length)
            .Select(p => p.Entry)
            .FirstOrDefault();
        if (owner is null)
        {
            return new IdentityError.ReturnUrlNotAllowed();
        }

        if (QueryNames(uri).Any(ReservedParameters.Contains))
        {
            return Invalid(ProblemCodes.InvalidField, "returnUrl must not carry a ticket or error parameter of its own.");
        }

        return new ReturnTarget(uri, owner.Client);
    }

    /// <summary>Adds <paramref name="name"/>=<paramref name="value"/> to the query, before any fragment.</summary>
    public static Uri With(Uri returnUrl, string name, string value)
    {
        var text = returnUrl.AbsoluteUri;
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var head = hash < 0 ? text : text[..hash];
        var fragment = hash < 0 ? "" : text[hash..];
        var separator = head.Contains('?', StringComparison.Ordinal) ? (head.EndsWith('?') || head.EndsWith('&') ? "" : "&") : "?";
        return new Uri(head + separator + Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value) + fragment);
    }

    private static IdentityError.Invalid Invalid(string code, string message) => new([new FieldError("returnUrl", code, message)]);

    private static bool IsUnder(Uri candidate, Uri prefix)
    {
        if (!string.Equals(candidate.Scheme, prefix.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(candidate.IdnHost, prefix.IdnHost, StringComparison.OrdinalIgnoreCase)
            || candidate.Port != prefix.Port)
        {
            return false;
        }

        var path = prefix.AbsolutePath;
        return path.EndsWith('/')
            ? candidate.AbsolutePath.StartsWith(path, StringComparison.Ordinal)
            : candidate.AbsolutePath == path || candidate.AbsolutePath.StartsWith(path + "/", StringComparison.Ordinal);
    }

    private static IEnumerable<string> QueryNames(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => Uri.UnescapeDataString(pair.Split('=', 2)[0]));
}

/// <summary>An allowed return URL and the client that owns its prefix (the only one that may redeem the ticket).</summary>
internal sealed record ReturnTarget(Uri Url, string Client);
