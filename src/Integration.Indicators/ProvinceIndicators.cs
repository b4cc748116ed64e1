using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Dapper;
using Integration.Core.Hosting;
using Integration.Core.Problems;
using Integration.Core.Store;
using Integration.Core.Validation;
using Microsoft.Extensions.Options;

namespace Integration.Indicators;

/// <summary>
/// Answers the indicator queries from the fact tables. Each dossier figure is one grouped scan of one
/// index (received by <c>received_at</c>, finished by <c>finished_at</c>, overdue by <c>open_until</c>),
/// per agency; levels and localities are folded from the agencies through the directory, so a change of
/// the directory applies to past figures too.
/// </summary>
internal sealed class ProvinceIndicators(GatewayStore store, TimeProvider time, IOptions<IndicatorsOptions> options) : IProvinceIndicators
{
    private const int MaxDays = 366;

    private static readonly Dictionary<string, string> LevelNames = new(StringComparer.Ordinal)
    {
        ["province"] = "Cấp tỉnh",
        ["district"] = "Cấp huyện",
        ["commune"] = "Cấp xã",
        ["unknown"] = "Ngoài danh mục",
    };

    public async Task<Result<DossierIndicators, IndicatorError>> GetDossiersAsync(string? from, string? to, string? groupBy, CancellationToken cancellationToken)
    {
        if (!Period.TryParse(from, to, out var period, out var invalid))
        {
            return invalid;
        }

        var grouping = groupBy switch
        {
            null or "" or "agency" => "agency",
            "level" or "locality" => groupBy,
            _ => null,
        };
        if (grouping is null)
        {
            return Invalid("groupBy", IndicatorProblemCodes.InvalidGroupBy, "groupBy must be agency, level or locality.");
        }

        var now = time.GetUtcNow();
        var perAgency = await CountPerAgencyAsync(period, period.AsOf(now), cancellationToken);
        var directory = Directory();

        // Every agency of the directory appears (with zeros), then any other agency the dossiers named.
        foreach (var agency in options.Value.Agencies)
        {
            perAgency.TryAdd(agency.Code, new Counts());
        }

        var groups = perAgency
            .GroupBy(kv => grouping switch
            {
                "agency" => kv.Key,
                "level" => directory.TryGetValue(kv.Key, out var a) ? a.Level : "unknown",
                _ => directory.TryGetValue(kv.Key, out var a) ? a.LocalityCode : "unknown",
            }, StringComparer.Ordinal)
            .Select(g =>
            {
                var c = Counts.Sum(g.Select(kv => kv.Value));
                var (name, level) = grouping switch
                {
                    "agency" => directory.TryGetValue(g.Key, out var a) ? (a.Name, a.Level) : (null, null),
                    "level" => (LevelNames.GetValueOrDefault(g.Key), g.Key == "unknown" ? null : g.Key),
                    _ => ((string?)null, (string?)null),
                };
                return new DossierGroup(g.Key, name, level, c.Received, c.Online, Rate(c.Online, c.Received), c.Finished, c.OnTime,
                    c.Finished - c.OnTime, Rate(c.OnTime, c.Finished), c.OverdueOpen);
            })
            .OrderBy(g => grouping == "level" ? LevelOrder(g.Key) : 0)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        var t = Counts.Sum(perAgency.Values);
        var total = new DossierFigures(t.Received, t.Online, Rate(t.Online, t.Received), t.Finished, t.OnTime, t.Finished - t.OnTime,
            Rate(t.OnTime, t.Finished), t.OverdueOpen);
        return new DossierIndicators(period.From, period.To, Vietnam(now), grouping, total, groups);
    }

    public async Task<Result<CommunesWithoutOnline, IndicatorError>> GetCommunesWithoutOnlineAsync(string? from, string? to, CancellationToken cancellationToken)
    {
        if (!Period.TryParse(from, to, out var period, out var invalid))
        {
            return invalid;
        }

        var communes = options.Value.Agencies.Where(a => a.Level == "commune").ToList();
        await using var connection = await store.OpenAsync(cancellationToken);
        var withOnline = (await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT DISTINCT agency_code FROM indicator_dossiers
            WHERE received_at >= @from AND received_at < @to AND channel = 2
            """,
            new { from = period.Start, to = period.End },
            cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        var without = communes
            .Where(c => !withOnline.Contains(c.Code))
            .OrderBy(c => c.Code, StringComparer.Ordinal)
            .Select(c => new CommuneAgency(c.Code, c.Name, c.LocalityCode))
            .ToList();
        return new CommunesWithoutOnline(period.From, period.To, Vietnam(time.GetUtcNow()), communes.Count, without);
    }

    public async Task<Result<OverdueDossiers, IndicatorError>> GetOverdueAsync(string? from, string? to, string? agency, int? limit, CancellationToken cancellationToken)
    {
        if (!Period.TryParse(from, to, out var period, out var invalid))
        {
            return invalid;
        }

        if (agency is { Length: > 64 })
        {
            return Invalid("agency", ProblemCodes.InvalidField, "agency must be at most 64 characters.");
        }

        var max = options.Value.MaxOverdueRows;
        if (!PageLimit.TryParse(limit, Math.Min(100, max), max, out var take, out var badLimit))
        {
            return new IndicatorError.Invalid([badLimit]);
        }

        var now = time.GetUtcNow();
        var asOf = period.AsOf(now);
        var filter = string.IsNullOrEmpty(agency) ? "" : " AND agency_code = @agency";
        var args = new { asOf = asOf.ToUnixTimeMilliseconds(), agency, take = (long)take };
        await using var connection = await store.OpenAsync(cancellationToken);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM indicator_dossiers WHERE open_until >= @asOf AND due_at < @asOf{filter}", args, cancellationToken: cancellationToken));
        var rows = await connection.QueryAsync<OverdueRow>(new CommandDefinition(
            $"""
            SELECT dossier_code AS DossierCode, agency_code AS AgencyCode, procedure_code AS ProcedureCode, status AS Status,
                channel AS Channel, received_at AS ReceivedAt, due_at AS DueAt
            FROM indicator_dossiers
            WHERE open_until >= @asOf AND due_at < @asOf{filter}
            ORDER BY due_at, dossier_code
            LIMIT @take
            """,
            args,
            cancellationToken: cancellationToken));
        var directory = Directory();
        var items = rows.Select(r => new OverdueDossier(
            r.DossierCode,
            r.AgencyCode,
            directory.TryGetValue(r.AgencyCode, out var a) ? a.Name : null,
            r.ProcedureCode,
            (int)r.Status,
            (int)r.Channel,
            Vietnam(DateTimeOffset.FromUnixTimeMilliseconds(r.ReceivedAt)),
            Vietnam(DateTimeOffset.FromUnixTimeMilliseconds(r.DueAt)),
            (int)Math.Floor((asOf - DateTimeOffset.FromUnixTimeMilliseconds(r.DueAt)).TotalDays))).ToList();
        return new OverdueDossiers(period.From, period.To, Vietnam(now), Vietnam(asOf), total, items);
    }

    public async Task<Result<PaymentIndicators, IndicatorError>> GetPaymentsAsync(string? from, string? to, CancellationToken cancellationToken)
    {
        if (!Period.TryParse(from, to, out var period, out var invalid))
        {
            return invalid;
        }

        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(string Method, long Count, long Amount)>(new CommandDefinition(
            """
            SELECT method AS Method, COUNT(*) AS Count, CAST(SUM(amount) AS BIGINT) AS Amount
            FROM indicator_payments
            WHERE paid_at >= @from AND paid_at < @to
            GROUP BY method
            """,
            new { from = period.Start, to = period.End },
            cancellationToken: cancellationToken))).ToDictionary(r => r.Method, StringComparer.Ordinal);
        var methods = new[] { "vietqr", "vnpay" }.Concat(rows.Keys).Distinct(StringComparer.Ordinal)
            .Select(m => rows.TryGetValue(m, out var r) ? new PaymentMethodFigures(m, r.Count, r.Amount) : new PaymentMethodFigures(m, 0, 0))
            .ToList();
        return new PaymentIndicators(period.From, period.To, Vietnam(time.GetUtcNow()), methods.Sum(m => m.Count), methods.Sum(m => m.Amount), methods);
    }

    public async Task<Result<AccountIndicators, IndicatorError>> GetAccountsAsync(string? locality, string? from, string? to, CancellationToken cancellationToken)
    {
        if (!Period.TryParse(from, to, out var period, out var invalid))
        {
            return invalid;
        }

        if (!string.IsNullOrEmpty(locality) && (locality.Length > 20 || !locality.All(c => char.IsAsciiLetterOrDigit(c) || c == '.')))
        {
            return Invalid("locality", ProblemCodes.InvalidField, "locality must be 1-20 letters, digits or dots (maDiaBan).");
        }

        var filter = string.IsNullOrEmpty(locality) ? "" : " AND locality_code = @locality";
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AccountRow>(new CommandDefinition(
            $"""
            SELECT day AS Day, locality_code AS LocalityCode, locality_name AS LocalityName, accounts AS Accounts, level2_accounts AS Level2Accounts
            FROM indicator_account_stats
            WHERE day >= @from AND day < @to{filter}
            ORDER BY day, locality_code
            """,
            new { from = Format(period.From), to = Format(period.To), locality },
            cancellationToken: cancellationToken));
        var days = rows.Select(r => new AccountDay(
            DateOnly.ParseExact(r.Day, "yyyy-MM-dd", CultureInfo.InvariantCulture), r.LocalityCode, r.LocalityName, r.Accounts, r.Level2Accounts)).ToList();
        return new AccountIndicators(period.From, period.To, Vietnam(time.GetUtcNow()), string.IsNullOrEmpty(locality) ? null : locality, days);
    }

    private async Task<Dictionary<string, Counts>> CountPerAgencyAsync(Period period, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var args = new { from = period.Start, to = period.End, asOf = asOf.ToUnixTimeMilliseconds() };
        await using var connection = await store.OpenAsync(cancellationToken);
        var received = await connection.QueryAsync<(string Agency, long Received, long Online)>(new CommandDefinition(
            """
            SELECT agency_code, COUNT(*), SUM(CASE WHEN channel = 2 THEN 1 ELSE 0 END)
            FROM indicator_dossiers WHERE received_at >= @from AND received_at < @to
            GROUP BY agency_code
            """,
            args,
            cancellationToken: cancellationToken));
        // No due date means no deadline to miss: such a dossier is on time.
        var finished = await connection.QueryAsync<(string Agency, long Finished, long OnTime)>(new CommandDefinition(
            """
            SELECT agency_code, COUNT(*), SUM(CASE WHEN due_at IS NULL OR finished_at <= due_at THEN 1 ELSE 0 END)
            FROM indicator_dossiers WHERE finished_at >= @from AND finished_at < @to
            GROUP BY agency_code
            """,
            args,
            cancellationToken: cancellationToken));
        var overdue = await connection.QueryAsync<(string Agency, long Overdue)>(new CommandDefinition(
            """
            SELECT agency_code, COUNT(*)
            FROM indicator_dossiers WHERE open_until >= @asOf AND due_at < @asOf
            GROUP BY agency_code
            """,
            args,
            cancellationToken: cancellationToken));

        var counts = new Dictionary<string, Counts>(StringComparer.Ordinal);
        Counts At(string agency) => counts.TryGetValue(agency, out var c) ? c : counts[agency] = new Counts();
        foreach (var r in received)
        {
            var c = At(r.Agency);
            c.Received = r.Received;
            c.Online = r.Online;
        }

        foreach (var r in finished)
        {
            var c = At(r.Agency);
            c.Finished = r.Finished;
            c.OnTime = r.OnTime;
        }

        foreach (var r in overdue)
        {
            At(r.Agency).OverdueOpen = r.Overdue;
        }

        return counts;
    }

    /// <summary>One query parameter that is not valid.</summary>
    private static IndicatorError.Invalid Invalid(string field, string code, string message) =>
        new([new FieldError(field, code, message)]);

    private Dictionary<string, AgencyOptions> Directory() =>
        options.Value.Agencies.ToDictionary(a => a.Code, StringComparer.Ordinal);

    private static int LevelOrder(string level) => Array.IndexOf(IndicatorsOptionsValidator.Levels, level) is var i and >= 0 ? i : 3;

    private static double? Rate(long part, long whole) => whole == 0 ? null : Math.Round((double)part / whole, 4);

    private static DateTimeOffset Vietnam(DateTimeOffset value) => value.ToOffset(VietnamTime.Offset);

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed class Counts
    {
        public long Received { get; set; }

        public long Online { get; set; }

        public long Finished { get; set; }

        public long OnTime { get; set; }

        public long OverdueOpen { get; set; }

        public static Counts Sum(IEnumerable<Counts> all)
        {
            var s = new Counts();
            foreach (var c in all)
            {
                s.Received += c.Received;
                s.Online += c.Online;
                s.Finished += c.Finished;
                s.OnTime += c.OnTime;
                s.OverdueOpen += c.OverdueOpen;
            }

            return s;
        }
    }

    private sealed record OverdueRow(string DossierCode, string AgencyCode, string ProcedureCode, long Status, long Channel, long ReceivedAt, long DueAt);

    private sealed record AccountRow(string Day, string LocalityCode, string? LocalityName, long Accounts, long Level2Accounts);

    /// <summary>[from, to) in Vietnam dates, and the instants they start at.</summary>
    internal sealed record Period(DateOnly From, DateOnly To)
    {
        public long Start => Instant(From).ToUnixTimeMilliseconds();

        public long End => Instant(To).ToUnixTimeMilliseconds();

        /// <summary>When "open" and "overdue" are judged: the end of the period, or now if that is earlier.</summary>
        public DateTimeOffset AsOf(DateTimeOffset now) => Instant(To) < now ? Instant(To) : now;

        /// <summary>The period [from, to), or the first bad parameter (<c>invalid_period</c>).</summary>
        public static bool TryParse(string? from, string? to, [NotNullWhen(true)] out Period? period, [NotNullWhen(false)] out IndicatorError? invalid)
        {
            period = null;
            var f = ParseDate("from", from, out invalid);
            if (invalid is not null)
            {
                return false;
            }

            var t = ParseDate("to", to, out invalid);
            if (invalid is not null)
            {
                return false;
            }

            if (t <= f)
            {
                invalid = Invalid("to", IndicatorProblemCodes.InvalidPeriod, "to must be after from (the period is [from, to)).");
                return false;
            }

            if (t.DayNumber - f.DayNumber > MaxDays)
            {
                invalid = Invalid("to", IndicatorProblemCodes.InvalidPeriod, $"The period may span at most {MaxDays} days.");
                return false;
            }

            period = new Period(f, t);
            return true;
        }

        private static DateOnly ParseDate(string field, string? value, out IndicatorError? invalid)
        {
            invalid = null;
            if (string.IsNullOrEmpty(value))
            {
                invalid = Invalid(field, IndicatorProblemCodes.InvalidPeriod, $"{field} is required: a Vietnam date, yyyy-MM-dd.");
                return default;
            }

            if (value.Length != 10 || !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || date.Year < 2000 || date.Year > 2100)
            {
                invalid = Invalid(field, IndicatorProblemCodes.InvalidPeriod, $"{field} must be a date yyyy-MM-dd between 2000 and 2100.");
                return default;
            }

            return date;
        }

        private static DateTimeOffset Instant(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), VietnamTime.Offset);
    }
}
