using Dapper;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Store;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// The procedure catalogue, kept in the store so that searches answer while the portal is down. A pull
/// pages through <c>LayDanhSachTTHC</c> and replaces the stored copy in one transaction, only after every
/// page arrived; a failed pull leaves the previous copy in place.
/// </summary>
internal sealed class ProcedureCatalogue(GatewayStore store, ConnectorTelemetry telemetry, TimeProvider time, IOptions<NationalPortalOptions> options)
{
    public static readonly StoreMigration Migration = new(
        "4001-portal-catalogue",
        """
        CREATE TABLE portal_procedures (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            field_code TEXT NULL,
            field_name TEXT NULL,
            level TEXT NULL,
            online_level TEXT NULL,
            search_text TEXT NOT NULL
        );
        CREATE TABLE portal_catalogue_pulls (
            catalogue TEXT PRIMARY KEY,
            fetched_at BIGINT NOT NULL,
            item_count BIGINT NOT NULL
        );
        """);

    private const string CatalogueName = "procedures";
    private const int MaxTokens = 8;

    /// <summary>Pulls every page and replaces the stored catalogue; returns the number of procedures and pages.</summary>
    public Task<(int Count, int Pages)> RefreshAsync(PortalClient client, CancellationToken cancellationToken) =>
        telemetry.TrackAsync(
            NationalPortalServiceCollectionExtensions.ConnectorName,
            "catalogue_pull",
            async ct =>
            {
                var o = options.Value;
                var procedures = new Dictionary<string, PortalProcedureInfo>(StringComparer.Ordinal);
                long received = 0;
                long? total = null;
                var page = 0;
                while (true)
                {
                    page++;
                    if (page > o.CatalogueMaxPages)
                    {
                        throw new UpstreamErrorException(PortalClient.Upstream, $"The catalogue did not end within {o.CatalogueMaxPages} pages (Connectors:NationalPortal:CatalogueMaxPages).");
                    }

                    var answer = await client.GetCataloguePageAsync(page, o.CataloguePageSize, ct);
                    if (!answer.Succeeded)
                    {
                        throw new UpstreamErrorException(PortalClient.Upstream, $"LayDanhSachTTHC page {page} was refused with error {answer.ErrorCode}: {answer.Message}", transient: true);
                    }

                    total ??= answer.Total;
                    var items = answer.Result ?? [];
                    received += items.Count;
                    foreach (var p in items)
                    {
                        if (!string.IsNullOrWhiteSpace(p.MaTTHC) && !string.IsNullOrWhiteSpace(p.TenTTHC))
                        {
                            var code = p.MaTTHC.Trim();
                            procedures[code] = new PortalProcedureInfo(code, p.TenTTHC.Trim(), Blank(p.MaLinhVuc), Blank(p.TenLinhVuc), Blank(p.CapThucHien), Blank(p.MucDo));
                        }
                    }

                    var done = total is { } t ? received >= t : items.Count < o.CataloguePageSize;
                    if (done)
                    {
                        break;
                    }

                    if (items.Count == 0)
                    {
                        throw new UpstreamErrorException(PortalClient.Upstream, $"LayDanhSachTTHC page {page} was empty after {received} of {total} procedures; the pull is incomplete.", transient: true);
                    }
                }

                await ReplaceAsync(procedures.Values, ct);
                return (procedures.Count, page);
            },
            cancellationToken);

    public async Task<ProcedureSearchResult> SearchAsync(string? query, int limit, CancellationToken cancellationToken)
    {
        var tokens = VietnameseText.Fold(query).Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().Take(MaxTokens).ToList();
        var args = new DynamicParameters();
        var where = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            // Folded tokens hold only letters and digits, so no LIKE wildcard can come from the query.
            args.Add($"t{i}", "%" + tokens[i] + "%");
            where.Add($"search_text LIKE @t{i}");
        }

        args.Add("limit", limit);
        args.Add("catalogue", CatalogueName);
        await using var connection = await store.OpenAsync(cancellationToken);
        var pull = await connection.QueryFirstOrDefaultAsync<PullRow>(new CommandDefinition(
            "SELECT fetched_at AS FetchedAt, item_count AS ItemCount FROM portal_catalogue_pulls WHERE catalogue = @catalogue",
            args,
            cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<ProcedureRow>(new CommandDefinition(
            $"""
            SELECT code AS Code, name AS Name, field_code AS FieldCode, field_name AS FieldName, level AS Level, online_level AS OnlineLevel
            FROM portal_procedures
            {(where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where))}
            ORDER BY code LIMIT @limit
            """,
            args,
            cancellationToken: cancellationToken));
        return new ProcedureSearchResult(
            query,
            pull is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(pull.FetchedAt),
            pull?.ItemCount ?? 0,
            rows.Select(r => new PortalProcedureInfo(r.Code, r.Name, r.FieldCode, r.FieldName, r.Level, r.OnlineLevel)).ToList());
    }

    private async Task ReplaceAsync(IEnumerable<PortalProcedureInfo> procedures, CancellationToken cancellationToken)
    {
        var rows = procedures.Select(p => new
        {
            p.Code,
            p.Name,
            p.FieldCode,
            p.FieldName,
            p.Level,
            p.OnlineLevel,
            SearchText = VietnameseText.Fold($"{p.Code} {p.Name} {p.FieldName}"),
        }).ToList();
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM portal_procedures", transaction: tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO portal_procedures (code, name, field_code, field_name, level, online_level, search_text)
            VALUES (@Code, @Name, @FieldCode, @FieldName, @Level, @OnlineLevel, @SearchText)
            """,
            rows,
            tx,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO portal_catalogue_pulls (catalogue, fetched_at, item_count) VALUES (@catalogue, @at, @count)
            ON CONFLICT (catalogue) DO UPDATE SET fetched_at = @at, item_count = @count
            """,
            new { catalogue = CatalogueName, at = time.GetUtcNow().ToUnixTimeMilliseconds(), count = (long)rows.Count },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed record PullRow(long FetchedAt, long ItemCount);

    private sealed record ProcedureRow(string Code, string Name, string? FieldCode, string? FieldName, string? Level, string? OnlineLevel);
}
