using Integration.Core.Outbox;
using Integration.Core.Problems;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// The national public-service portal as the gateway's callers see it: dossier status changes are
/// queued in the outbox and sent in the background (in version order per dossier, each version once),
/// while the procedure catalogue and account statistics are answered from the last good pull.
/// Refusals come back as <see cref="PortalError"/>s (invalid input is <see cref="PortalError.Invalid"/>, found before
/// anything is read or stored); a failure of the gateway's own store leaves as an exception.
/// </summary>
public interface INationalPortal
{
    /// <summary>
    /// Validates a status change and queues it for the portal; a version already queued with the same content returns the
    /// stored item, with other content it is <see cref="PortalError.VersionConflict"/> (and nothing is stored).
    /// </summary>
    Task<Result<DossierSyncAccepted, PortalError>> SubmitStatusAsync(string dossierCode, DossierStatusRequest request, CancellationToken cancellationToken);

    /// <summary>Every queued version of a dossier with its sync state, and whether the dossier is overdue (<see cref="PortalError.DossierNotFound"/> when none).</summary>
    Task<Result<DossierSyncView, PortalError>> GetSyncAsync(string dossierCode, CancellationToken cancellationToken);

    /// <summary>The operator view: backlog figures and the items in one state (all states when null), oldest first.</summary>
    Task<Result<PortalOutboxView, PortalError>> ListOutboxAsync(string? state, int? limit, CancellationToken cancellationToken);

    /// <summary>Queues a dead item again (<see cref="PortalError.SyncItemNotFound"/> unknown, <see cref="PortalError.NotDead"/> when it is not dead).</summary>
    Task<Result<DossierSyncItem, PortalError>> RequeueAsync(string syncId, CancellationToken cancellationToken);

    /// <summary>
    /// Gives up on a dead item so later versions of its dossier can go (<see cref="PortalError.SyncItemNotFound"/> unknown,
    /// <see cref="PortalError.NotDead"/> when it is not dead).
    /// </summary>
    Task<Result<DossierSyncItem, PortalError>> SkipAsync(string syncId, CancellationToken cancellationToken);

    /// <summary>Searches the stored procedure catalogue, with or without Vietnamese diacritics.</summary>
    Task<Result<ProcedureSearchResult, PortalError>> SearchProceduresAsync(string? query, int? limit, CancellationToken cancellationToken);

    /// <summary>The latest account statistics, for one locality (<see cref="PortalError.StatisticsNotPulled"/> when it has none) or all pulled ones.</summary>
    Task<Result<AccountStatsResult, PortalError>> GetAccountStatsAsync(string? locality, CancellationToken cancellationToken);
}

/// <summary>
/// <c>PUT /api/v1/portal/dossiers/{dossierCode}/status</c>. Times are ISO 8601; without an offset they are
/// Vietnam time. Codes and field meanings: docs/domain.md ("National public-service portal").
/// </summary>
public sealed record DossierStatusRequest
{
    /// <summary>MaTTHC. Required.</summary>
    public string? ProcedureCode { get; init; }

    /// <summary>TenTTHC.</summary>
    public string? ProcedureName { get; init; }

    /// <summary>MaLinhVuc.</summary>
    public string? FieldCode { get; init; }

    /// <summary>TrangThaiHoSo, 1-10. Required.</summary>
    public int? Status { get; init; }

    /// <summary>The one-stop system's version of this dossier, a positive integer increasing with each change. Required.</summary>
    public long? Version { get; init; }

    /// <summary>When the status changed. Required.</summary>
    public string? ChangedAt { get; init; }

    /// <summary>NgayTiepNhan. Required.</summary>
    public string? ReceivedAt { get; init; }

    /// <summary>NgayHenTra, the due date; not before <see cref="ReceivedAt"/>.</summary>
    public string? DueAt { get; init; }

    /// <summary>NgayTra; required with status 10 (result returned).</summary>
    public string? ReturnedAt { get; init; }

    /// <summary>DonViXuLy, the processing agency's code. Required.</summary>
    public string? AgencyCode { get; init; }

    /// <summary>ChuHoSo. Required.</summary>
    public string? ApplicantName { get; init; }

    /// <summary>LoaiDoiTuong: 1 citizen, 2 business. Required.</summary>
    public int? ApplicantType { get; init; }

    /// <summary>SoDienThoai; personal data, never logged.</summary>
    public string? PhoneNumber { get; init; }

    /// <summary>TrichYeuHoSo.</summary>
    public string? Summary { get; init; }

    /// <summary>HinhThuc: 1 in person, 2 online, 3 postal. Required.</summary>
    public int? Channel { get; init; }

    /// <summary>NguoiXuLy: when given, the change is also sent as a progress step (CapNhatTienDoHoSoMC).</summary>
    public string? Handler { get; init; }

    /// <summary>ChucDanh of the handler.</summary>
    public string? HandlerTitle { get; init; }

    /// <summary>PhongBanXuLy.</summary>
    public string? Department { get; init; }

    /// <summary>NoiDungXuLy.</summary>
    public string? Note { get; init; }

    /// <summary>DanhSachLePhi.</summary>
    public IReadOnlyList<DossierFeeRequest>? Fees { get; init; }
}

/// <summary>One fee of a dossier (TenPhiLePhi, MaPhiLePhi, Gia in VND).</summary>
public sealed record DossierFeeRequest(string? Code, string? Name, long? Amount);

/// <summary>The answer to a queued status change.</summary>
/// <param name="SyncId">The outbox item's id (for <c>/outbox/{syncId}/requeue</c>).</param>
/// <param name="State">Its state now: <c>queued</c> for a new item.</param>
/// <param name="Duplicate">True when this version was already queued: nothing was added.</param>
public sealed record DossierSyncAccepted(string SyncId, OutboxState State, bool Duplicate);

/// <summary>The sync history of one dossier.</summary>
/// <param name="DossierCode">MaHoSo.</param>
/// <param name="Version">The highest version received.</param>
/// <param name="Status">Its status.</param>
/// <param name="DueAt">Its due date.</param>
/// <param name="Open">Status 1, 2, 4, 5 or 6: not yet decided (3, 7, 8), processed (9) or returned (10).</param>
/// <param name="Overdue">Open and past its due date now.</param>
/// <param name="Items">Every version, lowest first.</param>
public sealed record DossierSyncView(
    string DossierCode,
    long Version,
    int Status,
    DateTimeOffset? DueAt,
    bool Open,
    bool Overdue,
    IReadOnlyList<DossierSyncItem> Items);

/// <summary>One version of a dossier in the outbox.</summary>
public sealed record DossierSyncItem(
    string SyncId,
    string DossierCode,
    long Version,
    int Status,
    OutboxState State,
    long Attempts,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? DueAt,
    bool Overdue);

/// <summary>What operators see of the portal outbox.</summary>
/// <param name="Pending">Queued or in flight.</param>
/// <param name="Dead">Waiting for an operator.</param>
/// <param name="OldestPendingAt">When the oldest pending item was queued.</param>
/// <param name="OldestPendingAgeSeconds">How long it has waited.</param>
/// <param name="Items">Items in the requested state, oldest first; <c>overdue</c> is judged on each item's own status and due date.</param>
public sealed record PortalOutboxView(
    long Pending,
    long Dead,
    DateTimeOffset? OldestPendingAt,
    double? OldestPendingAgeSeconds,
    IReadOnlyList<DossierSyncItem> Items);

/// <summary>A search of the stored procedure catalogue.</summary>
/// <param name="Query">The query as given.</param>
/// <param name="FetchedAt">When the catalogue was pulled; null when no pull has succeeded yet.</param>
/// <param name="CatalogueSize">Procedures in the stored catalogue.</param>
/// <param name="Items">Matches, by code.</param>
public sealed record ProcedureSearchResult(string? Query, DateTimeOffset? FetchedAt, long CatalogueSize, IReadOnlyList<PortalProcedureInfo> Items);

/// <summary>One administrative procedure (MaTTHC, TenTTHC, MaLinhVuc, TenLinhVuc, CapThucHien, MucDo).</summary>
public sealed record PortalProcedureInfo(string Code, string Name, string? FieldCode, string? FieldName, string? Level, string? OnlineLevel);

/// <summary>Account statistics as last pulled.</summary>
/// <param name="FetchedAt">The newest pull among <paramref name="Items"/>.</param>
/// <param name="Items">One row per locality.</param>
public sealed record AccountStatsResult(DateTimeOffset? FetchedAt, IReadOnlyList<LocalityAccountStats> Items);

/// <summary>Accounts registered in one locality (MaDiaBan, TenDiaBan, SoTaiKhoan, SoTaiKhoanMuc2).</summary>
public sealed record LocalityAccountStats(string LocalityCode, string? LocalityName, long Accounts, long Level2Accounts, DateTimeOffset FetchedAt);
