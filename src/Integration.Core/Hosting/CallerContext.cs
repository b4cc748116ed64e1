using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Integration.Core.Hosting;

/// <summary>
/// Who is calling, for audit and operational-monitoring rows: the authenticated API client in a
/// request, or <c>job:&lt;name&gt;</c> inside a scheduled job.
/// </summary>
public sealed class CallerContext(IHttpContextAccessor http)
{
    private static readonly AsyncLocal<string?> Override = new();

    public string ClientName =>
        Override.Value
        ?? (http.HttpContext?.User is { } user ? (user as ClientPrincipal)?.ClientName ?? user.FindFirstValue(ClaimTypes.Name) : null)
        ?? "anonymous";

    public string? TraceId => System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.HttpContext?.TraceIdentifier;

    /// <summary>Marks the calls made until the returned scope is disposed as made by a job or system task.</summary>
    public static IDisposable BeginSystemCall(string name)
    {
        var previous = Override.Value;
        Override.Value = name;
        return new Restore(previous);
    }

    private sealed class Restore(string? previous) : IDisposable
    {
        public void Dispose() => Override.Value = previous;
    }
}
