using System.Security.Claims;
using Integration.Core.Audit;
using Integration.Core.Caching;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Gateway.Operations;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/connectors</c>: what operators see of each connector and its upstreams, and what they can do.</summary>
internal static class ConnectorEndpoints
{
    /// <summary>The window over which latency percentiles and error rates are computed (30 slices of 10 s for sparklines).</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/v1/connectors", "Operations", Scopes.Ops);
        group.MapGet("/", ListAsync)
            .WithSummary("Every connector with its state, cache figures, backlog and upstreams (latency, errors, circuit, last probe).");
        group.MapPost("/{name}/probe", ProbeAsync)
            .WithSummary("Probes the connector's upstreams now and answers its view.")
            .ProducesNotFound();
        group.MapPost("/{name}/isolate", IsolateAsync)
            .WithSummary("Opens the connector's circuits on every instance: calls answer 503 at once until it is closed again.")
            .ProducesNotFound()
            .ProducesStoreProblem();
        group.MapPost("/{name}/close", CloseAsync)
            .WithSummary("Ends an isolation on every instance.")
            .ProducesNotFound()
            .ProducesStoreProblem();
        group.MapPost("/{name}/cache/clear", ClearCacheAsync)
            .WithSummary("Drops the connector's cached answers on every instance.")
            .ProducesNotFound();
        return app;
    }

    private static async Task<Ok<List<ConnectorView>>> ListAsync(ConnectorHealthRegistry registry, CancellationToken ct)
    {
        var views = new List<ConnectorView>();
        foreach (var connector in registry.Connectors)
        {
            views.Add(await ViewAsync(connector, ct));
        }

        return TypedResults.Ok(views);
    }

    private static async Task<Ok<ConnectorView>> ProbeAsync(string name, ConnectorHealthRegistry registry, ProbeRunner probes, AuditLog audit, CancellationToken ct)
    {
        var connector = Find(registry, name);
        var results = await probes.ProbeAsync(connector.Name, ct);
        audit.Record(new AuditRecord("operator_probe", connector.Name, results.All(r => r.Ok) ? "ok" : "failed"));
        return TypedResults.Ok(await ViewAsync(connector, ct));
    }

    private static Task<Ok<ConnectorView>> IsolateAsync(
        string name, ClaimsPrincipal user, ConnectorHealthRegistry registry, ConnectorControls controls, ILogger<ConnectorControls> logger, CancellationToken ct) =>
        SetAsync(name, isolated: true, user, registry, controls, logger, ct);

    private static Task<Ok<ConnectorView>> CloseAsync(
        string name, ClaimsPrincipal user, ConnectorHealthRegistry registry, ConnectorControls controls, ILogger<ConnectorControls> logger, CancellationToken ct) =>
        SetAsync(name, isolated: false, user, registry, controls, logger, ct);

    private static async Task<Ok<ConnectorView>> ClearCacheAsync(
        string name, ClaimsPrincipal user, ConnectorHealthRegistry registry, ConnectorCache cache, AuditLog audit, ILogger<ConnectorControls> logger, CancellationToken ct)
    {
        // Every instance drops the connector's cached answers (FusionCache tags, over L2 and the backplane).
        var connector = Find(registry, name);
        var operatorName = user.Identity?.Name ?? "unknown";
        await cache.ClearConnectorAsync(connector.Name, ct);
        audit.Record(new AuditRecord("operator_cache_clear", connector.Name, "done"));
        Log.OperatorAction(logger, operatorName, connector.Name, "cache cleared");
        return TypedResults.Ok(await ViewAsync(connector, ct));
    }

    private static async Task<Ok<ConnectorView>> SetAsync(
        string name, bool isolated, ClaimsPrincipal user, ConnectorHealthRegistry registry, ConnectorControls controls, ILogger logger, CancellationToken ct)
    {
        var connector = Find(registry, name);
        var operatorName = user.Identity?.Name ?? "unknown";
        await controls.SetAsync(connector, isolated, operatorName, ct);
        Log.OperatorAction(logger, operatorName, connector.Name, isolated ? "isolated" : "closed");
        return TypedResults.Ok(await ViewAsync(connector, ct));
    }

    private static ConnectorHealth Find(ConnectorHealthRegistry registry, string name) =>
        registry.TryGet(name, out var connector) && connector is not null
            ? connector
            : throw new GatewayProblemException(404, ProblemCodes.NotFound, "No such connector.",
                $"Known connectors: {string.Join(", ", registry.Connectors.Select(c => c.Name))}.");

    private static async Task<ConnectorView> ViewAsync(ConnectorHealth connector, CancellationToken ct)
    {
        if (connector.Backlog is { } backlog)
        {
            try
            {
                connector.LastBacklog = await backlog(ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Store trouble shows in /health/ready; keep the last figures here.
            }
        }

        var upstreams = connector.Upstreams.Select(u =>
        {
            var s = u.Snapshot(Window);
            return new UpstreamView(
                s.Upstream, ConnectorStateRules.For(s), s.Circuit, s.LastSuccess, s.LastFailure, s.LastError,
                s.Requests, s.Failures, s.Retries, s.WindowSamples, s.WindowErrorRate, s.P50Ms, s.P95Ms, s.P99Ms,
                s.LastProbe, s.History);
        }).ToList();
        var (hits, misses, stale) = connector.CacheCounts;
        var lookups = hits + misses + stale;
        return new ConnectorView(
            connector.Name,
            ConnectorStateRules.For(upstreams.Select(u => u.State), connector.LastBacklog),
            connector.Isolated,
            new CacheView(hits, misses, stale, lookups == 0 ? null : (double)hits / lookups),
            connector.LastBacklog,
            upstreams);
    }

    internal sealed record ConnectorView(
        string Name, ConnectorState State, bool Isolated, CacheView Cache, BacklogSnapshot? Backlog, IReadOnlyList<UpstreamView> Upstreams);

    internal sealed record CacheView(long Hits, long Misses, long Stale, double? HitRatio);

    internal sealed record UpstreamView(
        string Name, ConnectorState State, CircuitStatus Circuit, DateTimeOffset? LastSuccess, DateTimeOffset? LastFailure, string? LastError,
        long Requests, long Failures, long Retries, int WindowSamples, double ErrorRate, double? P50Ms, double? P95Ms, double? P99Ms,
        ProbeResult? LastProbe, IReadOnlyList<HealthBucket> History);
}
