using System.Text.Json.Serialization;
using Integration.Core.Problems;

namespace Integration.Indicators;

/// <summary>
/// The figures a province is scored on, for a period [from, to) of Vietnam dates (<c>yyyy-MM-dd</c>).
/// Arguments come as the caller sent them: a bad period, grouping, agency, limit or locality comes back as
/// <see cref="IndicatorError.Invalid"/> with a stable code (<c>invalid_period</c>, <c>invalid_group_by</c>,
/// <c>invalid_field</c>), before the store is read.
/// </summary>
public interface IProvinceIndicators
{
    /// <summary>Received, online, finished, on time, late and overdue-open dossiers, in total and per agency, level or locality.</summary>
    Task<Result<DossierIndicators, IndicatorError>> GetDossiersAsync(string? from, string? to, string? groupBy, CancellationToken cancellationToken);

    /// <summary>Commune-level agencies of the directory that received no online dossier in the period.</summary>
    Task<Result<CommunesWithoutOnline, IndicatorError>> GetCommunesWithoutOnlineAsync(string? from, string? to, CancellationToken cancellationToken);

    /// <summary>The dossiers counted as overdue-open for the period, most overdue first (optionally of one agency).</summary>
    Task<Result<OverdueDossiers, IndicatorError>> GetOverdueAsync(string? from, string? to, string? agency, int? limit, CancellationToken cancellationToken);

    /// <summary>Paid payments (by the time they were paid), count and amount per method.</summary>
    Task<Result<PaymentIndicators, IndicatorError>> GetPaymentsAsync(string? from, string? to, CancellationToken cancellationToken);

    /// <summary>Account figures per locality and day, as pulled from the portal (one locality, or all).</summary>
    Task<Result<AccountIndicators, IndicatorError>> GetAccountsAsync(string? locality, string? from, string? to, CancellationToken cancellationToken);
}

/// <summary>The dossier figures of one group (or of the total).</summary>
/// <param name="Received">Received in the period (receivedAt in [from, to)).</param>
/// <param name="Online">Of those, received online (channel 2).</param>
/// <param name="OnlineRate">Online / received; null when nothing was received.</param>
/// <param name="Finished">Finished in the period: first reached status 9 or 10 in [from, to).</param>
/// <param name="OnTime">Of those, finished no later than their due date (or having none).</param>
/// <param name="Late">Finished minus on time.</param>
/// <param name="OnTimeRate">On time / finished; null when nothing finished.</param>
/// <param name="OverdueOpen">Neither finished nor closed (3, 7, 8) at the end of the period (or now, if earlier), and due before it.</param>
public record DossierFigures(
    long Received,
    long Online,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? OnlineRate,
    long Finished,
    long OnTime,
    long Late,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] double? OnTimeRate,
    long OverdueOpen);

/// <summary>One group: an agency (key = its code), a level (province, district, commune, unknown) or a locality code.</summary>
public sealed record DossierGroup(
    [property: JsonPropertyOrder(-3)] string Key,
    [property: JsonPropertyOrder(-2)] string? Name,
    [property: JsonPropertyOrder(-1)] string? Level,
    long Received,
    long Online,
    double? OnlineRate,
    long Finished,
    long OnTime,
    long Late,
    double? OnTimeRate,
    long OverdueOpen)
    : DossierFigures(Received, Online, OnlineRate, Finished, OnTime, Late, OnTimeRate, OverdueOpen);

/// <summary><c>GET /api/v1/indicators/dossiers</c>.</summary>
public sealed record DossierIndicators(
    DateOnly From,
    DateOnly To,
    DateTimeOffset GeneratedAt,
    string GroupBy,
    DossierFigures Total,
    IReadOnlyList<DossierGroup> Groups);

/// <summary>One commune-level agency of the directory.</summary>
public sealed record CommuneAgency(string Code, string Name, string LocalityCode);

/// <summary><c>GET /api/v1/indicators/communes-without-online</c>.</summary>
/// <param name="From">First day of the period.</param>
/// <param name="To">The day after the period.</param>
/// <param name="GeneratedAt">When the figures were computed.</param>
/// <param name="CommuneCount">Commune-level agencies in the directory.</param>
/// <param name="Communes">Those with no online dossier received in the period, by code.</param>
public sealed record CommunesWithoutOnline(DateOnly From, DateOnly To, DateTimeOffset GeneratedAt, int CommuneCount, IReadOnlyList<CommuneAgency> Communes);

/// <summary>One overdue-open dossier (codes as the one-stop system sent them; status 1-10, channel 1-3).</summary>
/// <param name="DossierCode">MaHoSo.</param>
/// <param name="AgencyCode">DonViXuLy.</param>
/// <param name="AgencyName">Its name in the directory.</param>
/// <param name="ProcedureCode">MaTTHC.</param>
/// <param name="Status">Its latest status.</param>
/// <param name="Channel">1 in person, 2 online, 3 postal.</param>
/// <param name="ReceivedAt">NgayTiepNhan.</param>
/// <param name="DueAt">NgayHenTra.</param>
/// <param name="OverdueDays">Whole days between its due date and the end of the period (or now).</param>
public sealed record OverdueDossier(
    string DossierCode,
    string AgencyCode,
    string? AgencyName,
    string ProcedureCode,
    int Status,
    int Channel,
    DateTimeOffset ReceivedAt,
    DateTimeOffset DueAt,
    int OverdueDays);

/// <summary><c>GET /api/v1/indicators/overdue</c>.</summary>
/// <param name="From">First day of the period.</param>
/// <param name="To">The day after the period.</param>
/// <param name="GeneratedAt">When the list was made.</param>
/// <param name="AsOf">The end of the period, or now if earlier: the moment "open" and "overdue" are judged at.</param>
/// <param name="Total">Every overdue-open dossier, even beyond the list's limit.</param>
/// <param name="Items">The most overdue first, up to the limit.</param>
public sealed record OverdueDossiers(DateOnly From, DateOnly To, DateTimeOffset GeneratedAt, DateTimeOffset AsOf, long Total, IReadOnlyList<OverdueDossier> Items);

/// <summary>Paid payments of one method (<c>vnpay</c>, <c>vietqr</c>).</summary>
public sealed record PaymentMethodFigures(string Method, long Count, long Amount);

/// <summary><c>GET /api/v1/indicators/payments</c>. Amounts in whole VND.</summary>
public sealed record PaymentIndicators(
    DateOnly From,
    DateOnly To,
    DateTimeOffset GeneratedAt,
    long Count,
    long Amount,
    IReadOnlyList<PaymentMethodFigures> Methods);

/// <summary>Account figures of one locality on one day (the day's last pull).</summary>
public sealed record AccountDay(DateOnly Date, string LocalityCode, string? LocalityName, long Accounts, long Level2Accounts);

/// <summary><c>GET /api/v1/indicators/accounts</c>.</summary>
public sealed record AccountIndicators(DateOnly From, DateOnly To, DateTimeOffset GeneratedAt, string? Locality, IReadOnlyList<AccountDay> Days);
