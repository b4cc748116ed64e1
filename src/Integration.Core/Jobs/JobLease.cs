using Dapper;
using Integration.Core.Store;

namespace Integration.Core.Jobs;

/// <summary>
/// Makes a scheduled job run once per schedule slot across every gateway instance sharing the store:
/// the first instance to claim (job, slot) runs it; the others skip. A claim expires, so a crashed
/// instance does not block later slots. Works on SQLite and PostgreSQL (upsert with a guard).
/// </summary>
public sealed class JobLease(GatewayStore store, TimeProvider time)
{
    /// <summary>This process's identity in lease rows.</summary>
    public static readonly string InstanceId = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>
    /// Claims <paramref name="job"/> for the slot starting at <paramref name="slot"/> (the trigger's
    /// scheduled fire time). True when this instance should run it.
    /// </summary>
    public async Task<bool> TryClaimAsync(string job, DateTimeOffset slot, TimeSpan hold, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await store.OpenAsync(cancellationToken);
        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO job_leases (name, owner, expires_at, last_run_slot) VALUES (@job, @owner, @expires, @slot)
            ON CONFLICT (name) DO UPDATE SET owner = @owner, expires_at = @expires, last_run_slot = @slot
            WHERE job_leases.last_run_slot < @slot AND (job_leases.expires_at < @now OR job_leases.owner = @owner)
            """,
            new { job, owner = InstanceId, expires = now + (long)hold.TotalMilliseconds, slot = slot.ToUnixTimeMilliseconds(), now },
            cancellationToken: cancellationToken));
        return claimed == 1;
    }

    /// <summary>Releases the claim early once the job has finished, so the next slot need not wait for expiry.</summary>
    public async Task ReleaseAsync(string job, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE job_leases SET expires_at = 0 WHERE name = @job AND owner = @owner",
            new { job, owner = InstanceId },
            cancellationToken: cancellationToken));
    }
}
