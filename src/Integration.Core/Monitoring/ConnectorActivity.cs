using System.Diagnostics;

namespace Integration.Core.Monitoring;

/// <summary>
/// The gateway's own trace spans (ActivitySource <c>Integration.Gateway</c>): one per connector call, named
/// <c>{connector} {operation}</c>, parent of the HttpClient spans of its upstream attempts. Tags are the
/// connector, operation, upstream, outcome, attempts, cache outcome and HTTP status: never personal data.
/// </summary>
public static class ConnectorActivity
{
    public const string SourceName = "Integration.Gateway";

    internal static readonly ActivitySource Source = new(SourceName);
}
