using Dapper;
using Integration.Core.Indicators;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Account registration figures per locality (<c>ThongKeTaiKhoan</c>), kept with the time they were
/// pulled. Each configured locality is pulled on its own: one that fails keeps its previous figures.
/// </summary>
internal sealed class AccountStatistics(
    GatewayStore store,
    ConnectorTelemetry telemetry,
    IIndicatorFeed indicators,
    TimeProvider time,
    IOptions<NationalPortalOptions> options,
    ILogger<AccountStatistics> logger)
{
    public static readonly StoreMigration Migration = new(
        "4002-portal-account-stats",
        """
        CREATE TABLE portal_account_stats (
            locality_code TEXT PRIMARY KEY,
            locality_name TEXT NULL,
            accounts BIGINT NOT NULL,
            level2_accounts BIGINT NOT NULL,
            pulled_for TEXT NOT NULL,
            fetched_at BIGINT NOT NULL
        );
        CREATE INDEX ix_portal_account_stats_pulled_for ON portal_account_stats (pulled_for);
        """);

    /// <summary>Pulls every configured locality; returns how many were stored.</summary>
    public async Task<int> RefreshAsync(PortalClient client, CancellationToken cancellationToken)
    {
        var stored = 0;
        foreach (var locality in options.Value.Localities.Distinct(StringComparer.Ordinal))
        {
            try
            {
                var rows = await telemetry.TrackAsync(
                    NationalPortalServiceCollectionExtensions.ConnectorName,
                    "account_stats",
                    async ct =>
                    {
                        var answer = await client.GetAccountStatsAsync(locality, ct);
                        if (!answer.Succeeded)
                        {
                            throw new UpstreamErrorException(PortalClient.Upstream, $"ThongKeTaiKhoan was refused with error {answer.ErrorCode}: {answer.Message}");
                        }

                        return await StoreAsync(locality, answer.Result ?? [], ct);
                    },
                    cancellationToken);
                Log.StatsRefreshed(logger, locality, rows);
                stored++;
            }
            catch (UpstreamException ex)
            {
                Log.StatsRefreshFailed(logger, locality, ex.Detail ?? ex.Title);
            }
        }

        return stored;
    }

    public async Task<AccountStatsResult> GetAsync(string? locality, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT locality_code AS LocalityCode, locality_name AS LocalityName, accounts AS Accounts, level2_accounts AS Level2Accounts, fetched_at AS FetchedAt
            FROM portal_account_stats
            {(locality is null ? "" : "WHERE pulled_for = @locality OR locality_code = @locality")}
            ORDER BY locality_code
            """,
            new { locality },
            cancellationToken: cancellationToken));
        var items = rows.Select(r => new LocalityAccountStats(
            r.LocalityCode, r.LocalityName, r.Accounts, r.Level2Accounts, DateTimeOffset.FromUnixTimeMilliseconds(r.FetchedAt))).ToList();
        return new AccountStatsResult(items.Count == 0 ? null : items.Max(i => i.FetchedAt), items);
    }

    private async Task<int> StoreAsync(string locality, IReadOnlyList<PortalAccountStats> result, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow().ToUnixTimeMilliseconds();
        var rows = result
            .Where(r => !string.IsNullOrWhiteSpace(r.MaDiaBan))
            .Select(r => new
            {
                code = r.MaDiaBan!.Trim(),
                name = string.IsNullOrWhiteSpace(r.TenDiaBan) ? null : r.TenDiaBan.Trim(),
                accounts = r.SoTaiKhoan ?? 0,
                level2 = r.SoTaiKhoanMuc2 ?? 0,
                locality,
                at,
            })
            .ToList();
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO portal_account_stats (locality_code, locality_name, accounts, level2_accounts, pulled_for, fetched_at)
            VALUES (@code, @name, @accounts, @level2, @locality, @at)
            ON CONFLICT (locality_code) DO UPDATE SET locality_name = @name, accounts = @accounts, level2_accounts = @level2,
                pulled_for = @locality, fetched_at = @at
            """,
            rows,
            tx,
            cancellationToken: cancellationToken));
        // Kept per locality and day as well, for the accounts-over-time indicator.
        await indicators.AccountStatisticsPulledAsync(
            rows.Select(r => new AccountStatisticsFact(r.code, r.name, r.accounts, r.level2, DateTimeOffset.FromUnixTimeMilliseconds(at))).ToList(),
            tx,
            cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return rows.Count;
    }

    private sealed record Row(string LocalityCode, string? LocalityName, long Accounts, long Level2Accounts, long FetchedAt);
}
