using Dapper;
using Integration.Core.Audit;
using Integration.Core.Monitoring;
using Integration.Core.Store;
using Quartz;

namespace Integration.Gateway.Operations;

/// <summary>
/// An operator's isolate / close decision, kept in the store so every instance behind the load
/// balancer applies it (each instance's breakers live in its own memory).
/// </summary>
internal sealed class ConnectorControls(GatewayStore store, ConnectorHealthRegistry registry, AuditLog audit, TimeProvider time)
{
    public static readonly StoreMigration Migration = new(
        "9001-host-connector-controls",
        """
        CREATE TABLE connector_controls (
            name TEXT PRIMARY KEY,
            isolated BIGINT NOT NULL,
            changed_at BIGINT NOT NULL,
            changed_by TEXT NOT NULL
        )
        """);

    public async Task SetAsync(ConnectorHealth connector, bool isolated, string operatorName, CancellationToken cancellationToken)
    {
        await using (var connection = await store.OpenAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO connector_controls (name, isolated, changed_at, changed_by) VALUES (@name, @isolated, @at, @by)
                ON CONFLICT (name) DO UPDATE SET isolated = @isolated, changed_at = @at, changed_by = @by
                """,
                new { name = connector.Name, isolated = isolated ? 1L : 0L, at = time.GetUtcNow().ToUnixTimeMilliseconds(), by = operatorName },
                cancellationToken: cancellationToken));
        }

        await ApplyAsync(connector, isolated);
        audit.Record(new AuditRecord(isolated ? "operator_isolate" : "operator_close", connector.Name, "done"));
    }

    /// <summary>Brings this instance in line with the stored decisions (run on a short schedule).</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Name, long Isolated)>(new CommandDefinition(
            "SELECT name, isolated FROM connector_controls", cancellationToken: cancellationToken));
        foreach (var (name, isolated) in rows)
        {
            if (registry.TryGet(name, out var connector) && connector!.Isolated != (isolated == 1))
            {
                await ApplyAsync(connector, isolated == 1);
            }
        }
    }

    private static Task ApplyAsync(ConnectorHealth connector, bool isolated) =>
        isolated ? connector.IsolateAsync() : connector.CloseAsync();
}

/// <summary>Applies operators' isolate / close decisions made on other instances.</summary>
[DisallowConcurrentExecution]
internal sealed class ConnectorControlSyncJob(ConnectorControls controls) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await controls.SyncAsync(cancellationToken);
}

/// <summary>Probes every connector on <c>Gateway:Probes:Interval</c> (each instance probes for its own view).</summary>
[DisallowConcurrentExecution]
internal sealed class ProbeJob(ProbeRunner runner) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        using (Integration.Core.Hosting.CallerContext.BeginSystemCall("job:probe"))
        {
            await runner.ProbeAllAsync(cancellationToken);
        }
    }
}
