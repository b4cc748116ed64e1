using System.Data.Common;
using Dapper;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Integration.Core.Store;

namespace Integration.Connectors.Linked.Processes;

/// <summary>A process row; request data and results are AES-GCM ciphertexts (base64) bound to the process id.</summary>
internal sealed record ProcessRow(
    string Id, string Kind, string DossierCode, string Client, string IdempotencyKey, string RequestHash, string RequestData,
    string State, long CreatedAt, long UpdatedAt);

/// <summary>A step row.</summary>
internal sealed record StepRow(
    string Id, string ProcessId, string Name, long Ordinal, string DependsOn, string State, long Attempts, long NextAttemptAt,
    string? LeaseToken, string? Result, string? LastError, long? CompletedAt, long UpdatedAt)
{
    public IReadOnlyList<string> Dependencies => DependsOn.Length == 0 ? [] : DependsOn.Split(',');
}

/// <summary>What a creation found.</summary>
internal enum CreateOutcome
{
    Created,
    SameKey,
    SameDossier,
}

/// <summary>
/// The durable state of linked processes. Steps are claimed with a lease exactly as outbox items are:
/// PostgreSQL locks candidates with <c>FOR UPDATE SKIP LOCKED</c>, SQLite claims with one conditional
/// UPDATE inside its write transaction; an expired lease (a dead instance) makes the step claimable again.
/// Every transition of one process happens under that process's row lock (PostgreSQL) or SQLite's write
/// lock, so two steps finishing at once on two instances still promote dependents and number progress
/// updates correctly.
/// </summary>
internal sealed class LinkedStore(GatewayStore store, OutboxStore outbox, OutboxSignal outboxSignal, TimeProvider time)
{
    public const string Waiting = "waiting";
    public const string Queued = "queued";
    public const string InProgress = "in_progress";
    public const string Done = "done";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public const string Running = "running";
    public const string Completed = "completed";
    public const string NeedsAttention = "needs_attention";

    /// <summary>Module range 6xxx.</summary>
    public static readonly StoreMigration Migration = new(
        "6000-linked-processes",
        """
        CREATE TABLE linked_processes (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            dossier_code TEXT NOT NULL,
            client TEXT NOT NULL,
            idempotency_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            request_data TEXT NOT NULL,
            state TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            CONSTRAINT ux_linked_processes_key UNIQUE (client, idempotency_key),
            CONSTRAINT ux_linked_processes_dossier UNIQUE (kind, dossier_code)
        );
        CREATE INDEX ix_linked_processes_state ON linked_processes (state, created_at);
        CREATE TABLE linked_steps (
            id TEXT PRIMARY KEY,
            process_id TEXT NOT NULL REFERENCES linked_processes (id),
            name TEXT NOT NULL,
            ordinal BIGINT NOT NULL,
            depends_on TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            lease_token TEXT NULL,
            lease_expires_at BIGINT NULL,
            result TEXT NULL,
            last_error TEXT NULL,
            completed_at BIGINT NULL,
            updated_at BIGINT NOT NULL
        );
        CREATE INDEX ix_linked_steps_due ON linked_steps (state, next_attempt_at);
        CREATE INDEX ix_linked_steps_process ON linked_steps (process_id, ordinal);
        """);

    private const string ProcessColumns =
        "id AS Id, kind AS Kind, dossier_code AS DossierCode, client AS Client, idempotency_key AS IdempotencyKey, request_hash AS RequestHash, " +
        "request_data AS RequestData, state AS State, created_at AS CreatedAt, updated_at AS UpdatedAt";

    private const string StepColumns =
        "id AS Id, process_id AS ProcessId, name AS Name, ordinal AS Ordinal, depends_on AS DependsOn, state AS State, attempts AS Attempts, " +
        "next_attempt_at AS NextAttemptAt, lease_token AS LeaseToken, result AS Result, last_error AS LastError, completed_at AS CompletedAt, updated_at AS UpdatedAt";

    private const int MaxErrorLength = 1000;

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Stores a new process and its steps, or finds the one its key (or its dossier) already made.</summary>
    public async Task<(CreateOutcome Outcome, ProcessRow Process)> CreateAsync(ProcessRow process, IReadOnlyList<StepDefinition> steps, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO linked_processes (id, kind, dossier_code, client, idempotency_key, request_hash, request_data, state, created_at, updated_at)
            VALUES (@Id, @Kind, @DossierCode, @Client, @IdempotencyKey, @RequestHash, @RequestData, @State, @CreatedAt, @UpdatedAt)
            ON CONFLICT DO NOTHING
            """,
            process, tx, cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            var byKey = await connection.QueryFirstOrDefaultAsync<ProcessRow>(new CommandDefinition(
                $"SELECT {ProcessColumns} FROM linked_processes WHERE client = @Client AND idempotency_key = @IdempotencyKey",
                process, tx, cancellationToken: cancellationToken));
            var found = byKey ?? await connection.QuerySingleAsync<ProcessRow>(new CommandDefinition(
                $"SELECT {ProcessColumns} FROM linked_processes WHERE kind = @Kind AND dossier_code = @DossierCode",
                process, tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            return (byKey is null ? CreateOutcome.SameDossier : CreateOutcome.SameKey, found);
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO linked_steps (id, process_id, name, ordinal, depends_on, state, attempts, next_attempt_at, updated_at)
                VALUES (@id, @process, @name, @ordinal, @dependsOn, @state, 0, @now, @now)
                """,
                new
                {
                    id = process.Id + ":" + s.Name,
                    process = process.Id,
                    name = s.Name,
                    ordinal = (long)i + 1,
                    dependsOn = string.Join(',', s.DependsOn),
                    state = s.DependsOn.Count == 0 ? Queued : Waiting,
                    now = process.CreatedAt,
                },
                tx,
                cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);
        return (CreateOutcome.Created, process);
    }

    public async Task<(ProcessRow Process, IReadOnlyList<StepRow> Steps)?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var process = await connection.QueryFirstOrDefaultAsync<ProcessRow>(new CommandDefinition(
            $"SELECT {ProcessColumns} FROM linked_processes WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        if (process is null)
        {
            return null;
        }

        return (process, await StepsAsync(connection, null, id, cancellationToken));
    }

    public async Task<IReadOnlyList<ProcessRow>> ListAsync(string? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var filter = state is null ? "" : "WHERE state = @state ";
        var rows = await connection.QueryAsync<ProcessRow>(new CommandDefinition(
            $"SELECT {ProcessColumns} FROM linked_processes {filter}ORDER BY created_at, id LIMIT @limit",
            new { state, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Claims up to <paramref name="max"/> due steps (queued and due, or in progress under an expired lease); each claim is an attempt.</summary>
    public async Task<IReadOnlyList<StepRow>> ClaimAsync(int max, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = Now;
        var args = new { max, now, token = Guid.NewGuid().ToString("N"), expires = now + (long)lease.TotalMilliseconds };
        const string due = "((s.state = 'queued' AND s.next_attempt_at <= @now) OR (s.state = 'in_progress' AND s.lease_expires_at <= @now))";
        var sql = store.Dialect == StoreDialect.Postgres
            ? $"""
              WITH next AS (
                  SELECT s.id FROM linked_steps s WHERE {due}
                  ORDER BY s.next_attempt_at, s.id LIMIT @max
                  FOR UPDATE OF s SKIP LOCKED)
              UPDATE linked_steps t
              SET state = 'in_progress', lease_token = @token, lease_expires_at = @expires, attempts = t.attempts + 1, updated_at = @now
              FROM next WHERE t.id = next.id
              RETURNING {StepColumns.Replace("id AS Id", "t.id AS Id", StringComparison.Ordinal)}
              """
            : $"""
              UPDATE linked_steps
              SET state = 'in_progress', lease_token = @token, lease_expires_at = @expires, attempts = attempts + 1, updated_at = @now
              WHERE id IN (SELECT s.id FROM linked_steps s WHERE {due} ORDER BY s.next_attempt_at, s.id LIMIT @max)
              RETURNING {StepColumns}
              """;
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        var rows = (await connection.QueryAsync<StepRow>(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken))).AsList();
        await tx.CommitAsync(cancellationToken);
        return rows;
    }

    /// <summary>
    /// Marks a claimed step done with its (encrypted) result, queues the steps that now have every result
    /// they need, settles the process's state, and adds the progress update for the portal in the same
    /// transaction. False when this claim no longer holds the step (its lease was taken over, or the process
    /// was cancelled meanwhile).
    /// </summary>
    public async Task<bool> CompleteAsync(StepRow claimed, string result, Func<long, DossierProgress> progress, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await LockProcessAsync(connection, tx, claimed.ProcessId, cancellationToken);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE linked_steps SET state = 'done', result = @result, completed_at = @now, lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_progress'
            """,
            new { id = claimed.Id, lease = claimed.LeaseToken, result, now }, tx, cancellationToken: cancellationToken));
        if (n == 0)
        {
            await tx.RollbackAsync(cancellationToken);
            return false;
        }

        var steps = await StepsAsync(connection, tx, claimed.ProcessId, cancellationToken);
        var done = steps.Where(s => s.State == Done).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var ready in steps.Where(s => s.State == Waiting && s.Dependencies.All(done.Contains)))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE linked_steps SET state = 'queued', next_attempt_at = @now, updated_at = @now WHERE id = @id AND state = 'waiting'",
                new { id = ready.Id, now }, tx, cancellationToken: cancellationToken));
        }

        var p = progress(done.Count);
        var enqueued = await outbox.EnqueueAsync(connection, tx, DossierProgress.Topic, p.DossierCode, p.Version, p.ToJson(), cancellationToken);
        await SettleAsync(connection, tx, claimed.ProcessId, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        if (enqueued.Created)
        {
            outboxSignal.Wake();
        }

        return true;
    }

    /// <summary>
    /// Records a failed attempt of a claimed step: failed (needs an officer) when <paramref name="permanent"/>,
    /// otherwise queued again at <paramref name="nextAttemptAt"/>. False when this claim no longer holds it.
    /// </summary>
    public async Task<bool> FailAsync(StepRow claimed, string error, bool permanent, DateTimeOffset nextAttemptAt, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await LockProcessAsync(connection, tx, claimed.ProcessId, cancellationToken);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE linked_steps SET state = @state, next_attempt_at = @next, last_error = @error, lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_progress'
            """,
            new
            {
                id = claimed.Id,
                lease = claimed.LeaseToken,
                state = permanent ? Failed : Queued,
                next = permanent ? now : nextAttemptAt.ToUnixTimeMilliseconds(),
                error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error,
                now,
            },
            tx,
            cancellationToken: cancellationToken));
        if (n == 1)
        {
            await SettleAsync(connection, tx, claimed.ProcessId, now, cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return n == 1;
    }

    /// <summary>Gives a claimed step back without counting the attempt (the worker is stopping).</summary>
    public async Task ReleaseAsync(StepRow claimed, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE linked_steps SET state = 'queued', attempts = attempts - 1, next_attempt_at = @now, lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_progress'
            """,
            new { id = claimed.Id, lease = claimed.LeaseToken, now }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Queues a failed or queued step now, storing <paramref name="requestData"/> first when the officer corrected
    /// the request. Null when there is no such process; false when the step is not failed or queued.
    /// </summary>
    public async Task<bool?> RetryAsync(string processId, string step, string? requestData, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        if (!await LockProcessAsync(connection, tx, processId, cancellationToken))
        {
            return null;
        }

        var n = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE linked_steps SET state = 'queued', next_attempt_at = @now, attempts = 0, updated_at = @now
            WHERE id = @id AND state IN ('failed', 'queued')
            """,
            new { id = processId + ":" + step, now }, tx, cancellationToken: cancellationToken));
        if (n == 0)
        {
            await tx.RollbackAsync(cancellationToken);
            return false;
        }

        if (requestData is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE linked_processes SET request_data = @requestData WHERE id = @processId",
                new { processId, requestData }, tx, cancellationToken: cancellationToken));
        }

        await SettleAsync(connection, tx, processId, now, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Cancels every step not done. Null when there is no such process; false when it had already completed.</summary>
    public async Task<bool?> CancelAsync(string processId, CancellationToken cancellationToken)
    {
        var now = Now;
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        if (!await LockProcessAsync(connection, tx, processId, cancellationToken))
        {
            return null;
        }

        var state = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT state FROM linked_processes WHERE id = @processId", new { processId }, tx, cancellationToken: cancellationToken));
        if (state == Completed)
        {
            await tx.RollbackAsync(cancellationToken);
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE linked_steps SET state = 'cancelled', lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE process_id = @processId AND state <> 'done'
            """,
            new { processId, now }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE linked_processes SET state = 'cancelled', updated_at = @now WHERE id = @processId",
            new { processId, now }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Steps still to run (pending) and steps waiting for an officer (dead), for the operators' view.</summary>
    public async Task<BacklogSnapshot> GetBacklogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<BacklogRow>(new CommandDefinition(
            """
            SELECT COALESCE(SUM(CASE WHEN state IN ('queued', 'in_progress') THEN 1 ELSE 0 END), 0) AS Pending,
                   COALESCE(SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END), 0) AS Dead,
                   MIN(CASE WHEN state IN ('queued', 'in_progress') THEN updated_at END) AS OldestPendingAt
            FROM linked_steps WHERE state IN ('queued', 'in_progress', 'failed')
            """,
            cancellationToken: cancellationToken));
        return new BacklogSnapshot(row.Pending, row.Dead, row.OldestPendingAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);
    }

    /// <summary>The encrypted results of a process's done steps, by step name.</summary>
    public static IReadOnlyDictionary<string, string> Results(IEnumerable<StepRow> steps) =>
        steps.Where(s => s.State == Done && s.Result is not null).ToDictionary(s => s.Name, s => s.Result!, StringComparer.Ordinal);

    private static async Task<IReadOnlyList<StepRow>> StepsAsync(DbConnection connection, DbTransaction? tx, string processId, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<StepRow>(new CommandDefinition(
            $"SELECT {StepColumns} FROM linked_steps WHERE process_id = @processId ORDER BY ordinal",
            new { processId }, tx, cancellationToken: cancellationToken))).AsList();

    private async Task<bool> LockProcessAsync(DbConnection connection, DbTransaction tx, string processId, CancellationToken cancellationToken)
    {
        var lockRow = store.Dialect == StoreDialect.Postgres ? " FOR UPDATE" : "";
        var id = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            $"SELECT id FROM linked_processes WHERE id = @processId{lockRow}", new { processId }, tx, cancellationToken: cancellationToken));
        return id is not null;
    }

    /// <summary>Sets the process's state from its steps: cancelled stays; all done is completed; any failed needs attention; else running.</summary>
    private static async Task SettleAsync(DbConnection connection, DbTransaction tx, string processId, long now, CancellationToken cancellationToken)
    {
        var states = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT state FROM linked_steps WHERE process_id = @processId", new { processId }, tx, cancellationToken: cancellationToken))).AsList();
        var state = states.All(s => s == Done) ? Completed : states.Contains(Failed) ? NeedsAttention : Running;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE linked_processes SET state = @state, updated_at = @now WHERE id = @processId AND state <> 'cancelled'",
            new { processId, state, now }, tx, cancellationToken: cancellationToken));
    }

    /// <summary>Settable properties: SQLite gives an aggregate over no rows no column type, which Dapper's constructor matching would reject.</summary>
    private sealed class BacklogRow
    {
        public long Pending { get; init; }

        public long Dead { get; init; }

        public long? OldestPendingAt { get; init; }
    }
}
