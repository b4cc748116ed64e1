using Integration.Core.Outbox;
using Integration.Core.Problems;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Why a portal operation refused a request: a closed set (each case is nested here), each with its stable
/// <see cref="Code"/>. The connector says what went wrong; the host decides the HTTP status and wording.
/// </summary>
public abstract record PortalError
{
    private PortalError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer (<see cref="ProblemCodes"/>, <see cref="PortalProblemCodes"/>).</summary>
    public abstract string Code { get; }

    /// <summary>One or more fields of the request are missing or invalid; checked before anything is read or stored.</summary>
    /// <param name="Errors">Every bad field, with its own code (a status change lists all of them; a query stops at the first bad parameter).</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : PortalError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }

    /// <summary>This version of the dossier is stored with other content: a correction must come as a higher version.</summary>
    /// <param name="DossierCode">MaHoSo.</param>
    /// <param name="Version">The version sent again.</param>
    /// <param name="SyncId">The stored item's id.</param>
    /// <param name="State">The stored item's state.</param>
    public sealed record VersionConflict(string DossierCode, long Version, string SyncId, OutboxState State) : PortalError
    {
        public override string Code => PortalProblemCodes.VersionConflict;
    }

    /// <summary>No status change of this dossier has been received.</summary>
    public sealed record DossierNotFound : PortalError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>No account statistics of the asked locality have been pulled.</summary>
    public sealed record StatisticsNotPulled : PortalError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>No portal sync item has this id.</summary>
    public sealed record SyncItemNotFound : PortalError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>An operator asked to requeue or skip an item that is not dead; nothing changed.</summary>
    /// <param name="Action">What was asked.</param>
    /// <param name="State">The item's state.</param>
    public sealed record NotDead(PortalOperatorAction Action, OutboxState State) : PortalError
    {
        public override string Code => ProblemCodes.Conflict;
    }
}

/// <summary>What an operator does with a dead item of the portal outbox.</summary>
public enum PortalOperatorAction
{
    /// <summary>Send it again.</summary>
    Requeue,

    /// <summary>Give it up so later versions of its dossier can go.</summary>
    Skip,
}
