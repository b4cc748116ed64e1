using System.Data.Common;
using Integration.Core.Store;

namespace Integration.Core.Indicators;

/// <summary>
/// Where the connectors report what the province is scored on: each accepted dossier status change,
/// each payment that becomes paid and each pull of account statistics. Connectors call it; the
/// indicators module (when the host adds it) keeps the figures. Without it the calls do nothing.
/// Every call is idempotent: the same fact reported twice changes nothing.
/// </summary>
public interface IIndicatorFeed
{
    /// <summary>
    /// The write that records a status change the gateway accepts, or null when nothing is kept. The caller runs it
    /// in the transaction that stores the change in the outbox, in the round trip of the outbox's insert
    /// (<see cref="Outbox.OutboxStore.EnqueueAsync(DbConnection, DbTransaction, string, string, long, string, StoreCommand?, CancellationToken)"/>),
    /// so the fact and the change are committed together, before the caller is answered; not on delivery to the
    /// portal, so an outage of the portal changes no figure. Asked again for a repeated version, which changes nothing.
    /// </summary>
    StoreCommand? DossierStatusAccepted(DossierStatusFact fact);

    /// <summary>A payment became paid, inside the transaction that marks it paid.</summary>
    Task PaymentPaidAsync(PaidPaymentFact fact, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Account statistics were pulled, inside the transaction that stores them.</summary>
    Task AccountStatisticsPulledAsync(IReadOnlyList<AccountStatisticsFact> facts, DbTransaction transaction, CancellationToken cancellationToken);
}

/// <summary>One accepted status change of a dossier (TrangThaiHoSo 1-10, HinhThuc 1-3).</summary>
/// <param name="DossierCode">MaHoSo.</param>
/// <param name="Version">The one-stop system's version of the dossier; the highest version is its latest state.</param>
/// <param name="Status">1-10.</param>
/// <param name="ChangedAt">When the status changed; the first change to 9 or 10 is the dossier's finish time.</param>
/// <param name="ReceivedAt">NgayTiepNhan.</param>
/// <param name="DueAt">NgayHenTra.</param>
/// <param name="AgencyCode">DonViXuLy.</param>
/// <param name="ProcedureCode">MaTTHC.</param>
/// <param name="Channel">1 in person, 2 online, 3 postal.</param>
public sealed record DossierStatusFact(
    string DossierCode,
    long Version,
    int Status,
    DateTimeOffset ChangedAt,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? DueAt,
    string AgencyCode,
    string ProcedureCode,
    int Channel);

/// <summary>A paid payment.</summary>
/// <param name="PaymentId">The gateway's payment id.</param>
/// <param name="Method"><c>vnpay</c> or <c>vietqr</c>.</param>
/// <param name="Amount">Whole VND.</param>
/// <param name="PaidAt">When the provider says it was paid.</param>
/// <param name="DossierCode">The dossier the fee belongs to.</param>
public sealed record PaidPaymentFact(string PaymentId, string Method, long Amount, DateTimeOffset PaidAt, string DossierCode);

/// <summary>Accounts registered in one locality as pulled on one day.</summary>
/// <param name="LocalityCode">MaDiaBan.</param>
/// <param name="LocalityName">TenDiaBan.</param>
/// <param name="Accounts">SoTaiKhoan.</param>
/// <param name="Level2Accounts">SoTaiKhoanMuc2.</param>
/// <param name="FetchedAt">When it was pulled; its Vietnam date is the day the figures are kept under.</param>
public sealed record AccountStatisticsFact(string LocalityCode, string? LocalityName, long Accounts, long Level2Accounts, DateTimeOffset FetchedAt);

/// <summary>The feed when no indicators module is added: every report is ignored.</summary>
public sealed class NullIndicatorFeed : IIndicatorFeed
{
    public StoreCommand? DossierStatusAccepted(DossierStatusFact fact) => null;

    public Task PaymentPaidAsync(PaidPaymentFact fact, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AccountStatisticsPulledAsync(IReadOnlyList<AccountStatisticsFact> facts, DbTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask;
}
