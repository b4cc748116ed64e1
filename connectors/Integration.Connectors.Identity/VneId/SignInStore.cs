using Dapper;
using Integration.Core.Store;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// Pending sign-ins and one-time tickets in the durable store, so that the login, the callback and
/// the redemption may each reach a different gateway instance. Each row is taken with one
/// <c>DELETE … RETURNING</c>: of two concurrent takers exactly one gets it. Expired rows are purged
/// whenever a new one is written.
/// </summary>
internal sealed class SignInStore(GatewayStore store)
{
    public static readonly StoreMigration Migration = new(
        "1001-identity-vneid-sign-in",
        """
        CREATE TABLE identity_sign_ins (
            state_hash TEXT PRIMARY KEY,
            binding_hash TEXT NOT NULL,
            code_verifier TEXT NOT NULL,
            return_url TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX ix_identity_sign_ins_expires_at ON identity_sign_ins (expires_at);
        CREATE TABLE identity_tickets (
            id TEXT PRIMARY KEY,
            sealed TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL
        );
        CREATE INDEX ix_identity_tickets_expires_at ON identity_tickets (expires_at);
        """);

    /// <summary>The nonce a sign-in's id_token must carry, and the client its ticket is bound to.</summary>
    public static readonly StoreMigration BindingMigration = new(
        "1002-identity-vneid-nonce-client",
        """
        ALTER TABLE identity_sign_ins ADD COLUMN nonce_hash TEXT NOT NULL DEFAULT '';
        ALTER TABLE identity_sign_ins ADD COLUMN client TEXT NOT NULL DEFAULT '';
        ALTER TABLE identity_tickets ADD COLUMN client TEXT NOT NULL DEFAULT '';
        """);

    public async Task SaveSignInAsync(PendingSignIn signIn, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync("DELETE FROM identity_sign_ins WHERE expires_at <= @CreatedAt", signIn, tx);
        await connection.ExecuteAsync(
            """
            INSERT INTO identity_sign_ins (state_hash, binding_hash, code_verifier, return_url, created_at, expires_at, nonce_hash, client)
            VALUES (@StateHash, @BindingHash, @CodeVerifier, @ReturnUrl, @CreatedAt, @ExpiresAt, @NonceHash, @Client)
            """, signIn, tx);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Removes and returns the sign-in with this state, only if the browser binding matches too.</summary>
    public async Task<PendingSignIn?> TakeSignInAsync(string stateHash, string bindingHash, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<PendingSignIn>(
            """
            DELETE FROM identity_sign_ins WHERE state_hash = @stateHash AND binding_hash = @bindingHash
            RETURNING state_hash AS StateHash, binding_hash AS BindingHash, code_verifier AS CodeVerifier,
                      return_url AS ReturnUrl, created_at AS CreatedAt, expires_at AS ExpiresAt,
                      nonce_hash AS NonceHash, client AS Client
            """, new { stateHash, bindingHash });
    }

    public async Task SaveTicketAsync(StoredTicket ticket, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync("DELETE FROM identity_tickets WHERE expires_at <= @CreatedAt", ticket, tx);
        await connection.ExecuteAsync(
            "INSERT INTO identity_tickets (id, sealed, created_at, expires_at, client) VALUES (@Id, @Sealed, @CreatedAt, @ExpiresAt, @Client)", ticket, tx);
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>Removes and returns the ticket, only for the client it is bound to: for any other it stays as it is.</summary>
    public async Task<StoredTicket?> TakeTicketAsync(string id, string client, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<StoredTicket>(
            """
            DELETE FROM identity_tickets WHERE id = @id AND client = @client
            RETURNING id AS Id, sealed AS Sealed, created_at AS CreatedAt, expires_at AS ExpiresAt, client AS Client
            """, new { id, client });
    }
}

/// <summary>
/// A sign-in waiting for the provider's callback; times are Unix milliseconds. <see cref="NonceHash"/> is
/// the hash of the nonce its id_token must carry, <see cref="Client"/> the client owning the return URL.
/// </summary>
internal sealed record PendingSignIn(
    string StateHash, string BindingHash, string CodeVerifier, string ReturnUrl, long CreatedAt, long ExpiresAt, string NonceHash, string Client);

/// <summary>A ticket's sealed profile and the only client that may redeem it; times are Unix milliseconds.</summary>
internal sealed record StoredTicket(string Id, string Sealed, long CreatedAt, long ExpiresAt, string Client);
