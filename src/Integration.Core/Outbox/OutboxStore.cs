using System.Data;
using System.Data.Common;
using Dapper;
using Integration.Core.Monitoring;
using Integration.Core.Store;
using Microsoft.Extensions.Options;

namespace Integration.Core.Outbox;

/// <summary>
/// The durable side of store-and-forward: items are written in the caller's request and sent later by
/// the dispatcher, so an upstream outage delays them but loses none.
/// <list type="bullet">
/// <item>Deduplicated by (topic, key, version): enqueuing a version again returns the stored item.</item>
/// <item>Ordered per key: an item is claimable only while no lower version of its key is queued, in
/// flight or dead. A dead item therefore blocks the later versions of its key (sending them would let
/// the upstream skip a state) until an operator requeues or skips it.</item>
/// <item>A version that arrives after a higher one was already sent is stored as skipped: sending it
/// would roll the upstream back.</item>
/// <item>Claimed with a lease: PostgreSQL locks candidates with <c>FOR UPDATE SKIP LOCKED</c>, SQLite
/// claims inside a write transaction, so two instances never hold one item; an expired lease (a crashed
/// instance) makes the item claimable again.</item>
/// </list>
/// </summary>
public sealed class OutboxStore(GatewayStore store, TimeProvider time, IOptions<OutboxOptions> options, OutboxSignal signal)
{
    /// <summary>The outbox table.</summary>
    public static readonly StoreMigration Migration = new(
        "0100-core-outbox",
        """
        CREATE TABLE outbox_items (
            id TEXT PRIMARY KEY,
            topic TEXT NOT NULL,
            item_key TEXT NOT NULL,
            version BIGINT NOT NULL,
            payload TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            last_attempt_at BIGINT NULL,
            delivered_at BIGINT NULL,
            last_error TEXT NULL,
            lease_token TEXT NULL,
            lease_expires_at BIGINT NULL,
            updated_at BIGINT NOT NULL,
            CONSTRAINT ux_outbox_items_version UNIQUE (topic, item_key, version)
        );
        CREATE INDEX ix_outbox_items_due ON outbox_items (state, next_attempt_at);
        CREATE INDEX ix_outbox_items_topic_state ON outbox_items (topic, state, created_at);
        """);

    private const int MaxErrorLength = 1000;

    private const string Blocked =
        """
        EXISTS (SELECT 1 FROM outbox_items b
                WHERE b.topic = i.topic AND b.item_key = i.item_key AND b.version < i.version
                  AND b.state IN ('queued', 'in_flight', 'dead'))
        """;

    private const string Due =
        "((i.state = 'queued' AND i.next_attempt_at <= @now) OR (i.state = 'in_flight' AND i.lease_expires_at <= @now))";

    /// <summary>Adds version <paramref name="version"/> of <paramref name="key"/>, or returns the item already stored for it.</summary>
    public async Task<OutboxEnqueueResult> EnqueueAsync(string topic, string key, long version, string payload, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        var result = await EnqueueAsync(connection, tx, topic, key, version, payload, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        if (result.Created && result.Item.State == OutboxState.Queued)
        {
            signal.Wake();
        }

        return result;
    }

    /// <summary>
    /// Adds an item inside the caller's write transaction (begun with <see cref="GatewayStore.BeginWriteAsync"/>),
    /// so that it is stored if and only if the caller's own change is: a connector that records a state change
    /// and the message announcing it commits both or neither. Call <see cref="OutboxSignal.Wake"/> after the
    /// commit when <see cref="OutboxEnqueueResult.Created"/>.
    /// </summary>
    public Task<OutboxEnqueueResult> EnqueueAsync(
        DbConnection connection, DbTransaction transaction, string topic, string key, long version, string payload, CancellationToken cancellationToken = default) =>
        EnqueueAsync(connection, transaction, topic, key, version, payload, alongside: null, cancellationToken);

    /// <summary>
    /// As <see cref="EnqueueAsync(DbConnection, DbTransaction, string, string, long, string, CancellationToken)"/>, and runs
    /// <paramref name="alongside"/> (the caller's own write, e.g. a record derived from the item) just before the item's
    /// insert, in its round trip: on PostgreSQL the two go as one prepared batch, so the caller's write adds no wait for
    /// the server to a request that already waits for the item's. When the version is already stored, it runs on its own.
    /// Being prepared, it should be an insert or upsert: a plan with a scan to choose, cached while a table is small,
    /// would keep scanning it all once it is not.
    /// </summary>
    public async Task<OutboxEnqueueResult> EnqueueAsync(
        DbConnection connection, DbTransaction transaction, string topic, string key, long version, string payload, StoreCommand? alongside,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(version);
        ArgumentNullException.ThrowIfNull(payload);

        var now = time.GetUtcNow();
        var at = now.ToUnixTimeMilliseconds();
        var tx = transaction;

        // PostgreSQL: lock the key's rows so that a concurrent claim (SKIP LOCKED) cannot send a higher
        // version while this one is being added. SQLite's write transaction already excludes it. Not prepared:
        // a plan cached while the table was small could keep scanning it all once it is not.
        var lockRows = store.Dialect == StoreDialect.Postgres ? " FOR UPDATE" : "";
        var siblings = (await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns("")} FROM outbox_items WHERE topic = @topic AND item_key = @key{lockRows}",
            new { topic, key }, tx, cancellationToken: cancellationToken))).AsList();

        if (siblings.FirstOrDefault(s => s.Version == version) is { } existing)
        {
            if (alongside is not null)
            {
                await alongside.ExecuteAsync(connection, tx, cancellationToken);
            }

            return new OutboxEnqueueResult(existing.ToItem(), false);
        }

        var sentLater = siblings
            .Where(s => s.Version > version && s.State is InFlight or Delivered)
            .OrderByDescending(s => s.Version)
            .FirstOrDefault();
        var id = Guid.CreateVersion7(now).ToString("N");
        var insert = new StoreCommand(
            $"""
            INSERT INTO outbox_items (id, topic, item_key, version, payload, state, attempts, created_at, next_attempt_at, last_error, updated_at)
            VALUES (@id, @topic, @key, @version, @payload, @state, 0, @at, @at, @error, @at)
            ON CONFLICT (topic, item_key, version) DO NOTHING
            RETURNING {Columns("")}
            """)
            .With("id", DbType.String, id)
            .With("topic", DbType.String, topic)
            .With("key", DbType.String, key)
            .With("version", DbType.Int64, version)
            .With("payload", DbType.String, payload)
            .With("state", DbType.String, sentLater is null ? Queued : Skipped)
            .With("at", DbType.Int64, at)
            .With("error", DbType.String, sentLater is null ? null : $"Superseded: version {sentLater.Version} had already been sent when this version arrived.");
        var inserted = await QueryAfterAsync(connection, tx, alongside, insert, cancellationToken);
        var row = inserted.FirstOrDefault();
        if (row is null)
        {
            // A concurrent enqueue of the same version won the insert.
            row = await connection.QuerySingleAsync<Row>(new CommandDefinition(
                $"SELECT {Columns("")} FROM outbox_items WHERE topic = @topic AND item_key = @key AND version = @version",
                new { topic, key, version }, tx, cancellationToken: cancellationToken));
            return new OutboxEnqueueResult(row.ToItem(), false);
        }

        return new OutboxEnqueueResult(row.ToItem(), true);
    }

    /// <summary>
    /// Runs <paramref name="alongside"/>, if any, then <paramref name="command"/>, and reads the latter's rows. PostgreSQL:
    /// one batch, prepared, so each pooled connection parses and plans both once. Only for statements without a plan to
    /// choose (inserts), whose cached plan cannot grow stale as the table grows. SQLite has no round trip to save.
    /// </summary>
    private async Task<List<Row>> QueryAfterAsync(
        DbConnection connection, DbTransaction transaction, StoreCommand? alongside, StoreCommand command, CancellationToken cancellationToken)
    {
        if (store.Dialect == StoreDialect.Postgres && connection.CanCreateBatch)
        {
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            if (alongside is not null)
            {
                batch.BatchCommands.Add(alongside.ToBatchCommand(batch));
            }

            batch.BatchCommands.Add(command.ToBatchCommand(batch));
            await batch.PrepareAsync(cancellationToken);
            await using var batchReader = await batch.ExecuteReaderAsync(cancellationToken);
            return await ReadRowsAsync(batchReader, cancellationToken);
        }

        if (alongside is not null)
        {
            await alongside.ExecuteAsync(connection, transaction, cancellationToken);
        }

        await using var single = command.ToCommand(connection, transaction);
        await using var reader = await single.ExecuteReaderAsync(cancellationToken);
        return await ReadRowsAsync(reader, cancellationToken);
    }

    private static async Task<List<Row>> ReadRowsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var parse = reader.GetRowParser<Row>();
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(parse(reader));
        }

        return rows;
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> due items of <paramref name="topics"/> for <paramref name="lease"/>:
    /// each is the lowest unfinished version of its key, so a batch never holds two items of one key. Each
    /// claim counts as an attempt.
    /// </summary>
    public async Task<IReadOnlyList<OutboxItem>> ClaimAsync(IReadOnlyCollection<string> topics, int max, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        if (topics.Count == 0 || max <= 0)
        {
            return [];
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var args = new
        {
            topics = topics.ToArray(),
            max,
            now,
            token = Guid.NewGuid().ToString("N"),
            expires = now + (long)lease.TotalMilliseconds,
        };
        var sql = store.Dialect == StoreDialect.Postgres
            ? $"""
              WITH next AS (
                  SELECT i.id FROM outbox_items i
                  WHERE {TopicIn("i.topic")} AND {Due} AND NOT {Blocked}
                  ORDER BY i.next_attempt_at, i.id
                  LIMIT @max
                  FOR UPDATE OF i SKIP LOCKED)
              UPDATE outbox_items o
              SET state = 'in_flight', lease_token = @token, lease_expires_at = @expires, attempts = o.attempts + 1,
                  last_attempt_at = @now, updated_at = @now
              FROM next WHERE o.id = next.id
              RETURNING {Columns("o.")}
              """
            : $"""
              UPDATE outbox_items
              SET state = 'in_flight', lease_token = @token, lease_expires_at = @expires, attempts = attempts + 1,
                  last_attempt_at = @now, updated_at = @now
              WHERE id IN (
                  SELECT i.id FROM outbox_items i
                  WHERE {TopicIn("i.topic")} AND {Due} AND NOT {Blocked}
                  ORDER BY i.next_attempt_at, i.id
                  LIMIT @max)
              RETURNING {Columns("")}
              """;

        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql, args, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return rows.Select(r => r.ToItem()).OrderBy(i => i.NextAttemptAt).ThenBy(i => i.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Marks a claimed item delivered; false when this claim no longer holds it (its lease was taken over).</summary>
    public async Task<bool> MarkDeliveredAsync(OutboxItem claimed, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await store.OpenAsync(cancellationToken);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE outbox_items SET state = 'delivered', delivered_at = @now, lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_flight'
            """,
            new { id = claimed.Id, lease = claimed.Lease, now },
            cancellationToken: cancellationToken));
        return n == 1;
    }

    /// <summary>
    /// Records a failed attempt of a claimed item: dead when <paramref name="permanent"/> or when it was the
    /// last allowed attempt, otherwise queued again after the backoff delay (or <paramref name="retryAfter"/>
    /// when the upstream asked for longer). Returns the item as stored, or null when this claim no longer holds it.
    /// </summary>
    public async Task<OutboxItem?> MarkFailedAsync(OutboxItem claimed, string error, bool permanent, TimeSpan? retryAfter = null, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var dead = permanent || claimed.Attempts >= o.MaxAttempts;
        var delay = o.RetryDelay(claimed.Attempts);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < o.RetryMaxDelay ? asked : o.RetryMaxDelay;
        }

        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            UPDATE outbox_items SET state = @state, next_attempt_at = @next, last_error = @error,
                lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_flight'
            RETURNING {Columns("")}
            """,
            new
            {
                id = claimed.Id,
                lease = claimed.Lease,
                state = dead ? Dead : Queued,
                next = (now + (dead ? TimeSpan.Zero : delay)).ToUnixTimeMilliseconds(),
                error = Truncate(error),
                now = now.ToUnixTimeMilliseconds(),
            },
            cancellationToken: cancellationToken));
        return row?.ToItem();
    }

    /// <summary>Gives a claimed item back without counting the attempt (the dispatcher is stopping).</summary>
    public async Task<bool> ReleaseAsync(OutboxItem claimed, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await store.OpenAsync(cancellationToken);
        var n = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE outbox_items SET state = 'queued', attempts = attempts - 1, next_attempt_at = @now,
                lease_token = NULL, lease_expires_at = NULL, updated_at = @now
            WHERE id = @id AND lease_token = @lease AND state = 'in_flight'
            """,
            new { id = claimed.Id, lease = claimed.Lease, now },
            cancellationToken: cancellationToken));
        return n == 1;
    }

    /// <summary>Queues a dead item again with a fresh set of attempts (an operator fixed the cause).</summary>
    public async Task<OutboxChange> RequeueAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var change = await ChangeDeadAsync(
            id,
            "UPDATE outbox_items SET state = 'queued', attempts = 0, next_attempt_at = @now, updated_at = @now WHERE id = @id AND state = 'dead'",
            now,
            cancellationToken);
        if (change.Changed)
        {
            signal.Wake();
        }

        return change;
    }

    /// <summary>Gives up on a dead item for good, so the later versions of its key can go.</summary>
    public async Task<OutboxChange> SkipAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var change = await ChangeDeadAsync(
            id,
            "UPDATE outbox_items SET state = 'skipped', updated_at = @now WHERE id = @id AND state = 'dead'",
            now,
            cancellationToken);
        if (change.Changed)
        {
            signal.Wake();
        }

        return change;
    }

    public async Task<OutboxItem?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns("")} FROM outbox_items WHERE id = @id", new { id }, cancellationToken: cancellationToken));
        return row?.ToItem();
    }

    /// <summary>Every version of one key, lowest first.</summary>
    public async Task<IReadOnlyList<OutboxItem>> ListByKeyAsync(string topic, string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns("")} FROM outbox_items WHERE topic = @topic AND item_key = @key ORDER BY version",
            new { topic, key }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToItem()).ToList();
    }

    /// <summary>Items of a topic, optionally in one state, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxItem>> ListAsync(string topic, OutboxState? state, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns("")} FROM outbox_items
            WHERE topic = @topic{(state is null ? "" : " AND state = @state")}
            ORDER BY created_at, id LIMIT @limit
            """,
            new { topic, state = state is { } s ? StateText(s) : null, limit },
            cancellationToken: cancellationToken));
        return rows.Select(r => r.ToItem()).ToList();
    }

    /// <summary>True when a version of <paramref name="key"/> below <paramref name="version"/> has been delivered.</summary>
    public async Task<bool> HasDeliveredBelowAsync(string topic, string key, long version, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var n = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM outbox_items WHERE topic = @topic AND item_key = @key AND version < @version AND state = 'delivered'",
            new { topic, key, version }, cancellationToken: cancellationToken));
        return n > 0;
    }

    /// <summary>Pending (queued or in flight) and dead items of <paramref name="topics"/>, and when the oldest pending one was enqueued.</summary>
    public async Task<BacklogSnapshot> GetBacklogAsync(IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<BacklogRow>(new CommandDefinition(
            $"""
            SELECT COALESCE(SUM(CASE WHEN state IN ('queued', 'in_flight') THEN 1 ELSE 0 END), 0) AS Pending,
                   COALESCE(SUM(CASE WHEN state = 'dead' THEN 1 ELSE 0 END), 0) AS Dead,
                   MIN(CASE WHEN state IN ('queued', 'in_flight') THEN created_at END) AS OldestPendingAt
            FROM outbox_items WHERE {TopicIn("topic")} AND state IN ('queued', 'in_flight', 'dead')
            """,
            new { topics = topics.ToArray() }, cancellationToken: cancellationToken));
        return new BacklogSnapshot(
            row.Pending,
            row.Dead,
            row.OldestPendingAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null);
    }

    private async Task<OutboxChange> ChangeDeadAsync(string id, string update, long now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(
            $"{update} RETURNING {Columns("")}", new { id, now }, cancellationToken: cancellationToken));
        if (row is not null)
        {
            return new OutboxChange(row.ToItem(), true);
        }

        return new OutboxChange(await GetAsync(id, cancellationToken), false);
    }

    private string TopicIn(string column) => store.AnyOf(column, "topics");

    private static string Truncate(string error) => error.Length <= MaxErrorLength ? error : error[..MaxErrorLength];

    private const string Queued = "queued";
    private const string InFlight = "in_flight";
    private const string Delivered = "delivered";
    private const string Dead = "dead";
    private const string Skipped = "skipped";

    /// <summary>The state as stored and as the API spells it: <c>queued</c>, <c>in_flight</c>, <c>delivered</c>, <c>dead</c>, <c>skipped</c>.</summary>
    public static string StateText(OutboxState state) => state switch
    {
        OutboxState.Queued => Queued,
        OutboxState.InFlight => InFlight,
        OutboxState.Delivered => Delivered,
        OutboxState.Dead => Dead,
        _ => Skipped,
    };

    private static OutboxState ParseState(string state) => state switch
    {
        Queued => OutboxState.Queued,
        InFlight => OutboxState.InFlight,
        Delivered => OutboxState.Delivered,
        Dead => OutboxState.Dead,
        Skipped => OutboxState.Skipped,
        _ => throw new InvalidOperationException($"Unknown outbox state '{state}'."),
    };

    /// <summary>The column list every query reads, in <see cref="Row"/>'s constructor order (Dapper maps by position and name).</summary>
    private static string Columns(string prefix) =>
        $"{prefix}id AS Id, {prefix}topic AS Topic, {prefix}item_key AS ItemKey, {prefix}version AS Version, {prefix}payload AS Payload, " +
        $"{prefix}state AS State, {prefix}attempts AS Attempts, {prefix}created_at AS CreatedAt, {prefix}next_attempt_at AS NextAttemptAt, " +
        $"{prefix}last_attempt_at AS LastAttemptAt, {prefix}delivered_at AS DeliveredAt, {prefix}last_error AS LastError, {prefix}lease_token AS LeaseToken";

    private sealed record Row(
        string Id, string Topic, string ItemKey, long Version, string Payload, string State, long Attempts, long CreatedAt,
        long NextAttemptAt, long? LastAttemptAt, long? DeliveredAt, string? LastError, string? LeaseToken)
    {
        public OutboxItem ToItem() => new(
            Id, Topic, ItemKey, Version, Payload, ParseState(State), Attempts,
            DateTimeOffset.FromUnixTimeMilliseconds(CreatedAt),
            DateTimeOffset.FromUnixTimeMilliseconds(NextAttemptAt),
            LastAttemptAt is { } a ? DateTimeOffset.FromUnixTimeMilliseconds(a) : null,
            DeliveredAt is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null,
            LastError,
            LeaseToken);
    }

    /// <summary>Settable properties: SQLite gives an aggregate over no rows no column type, which Dapper's constructor matching would reject.</summary>
    private sealed class BacklogRow
    {
        public long Pending { get; init; }

        public long Dead { get; init; }

        public long? OldestPendingAt { get; init; }
    }
}
