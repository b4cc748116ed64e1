namespace Integration.Connectors.NationalPortal;

/// <summary>TrangThaiHoSo, the portal's dossier status codes (docs/domain.md, "National public-service portal").</summary>
internal static class DossierStatus
{
    /// <summary>
    /// Still being handled by the agency: newly submitted (1), accepted (2), processing (4), supplement
    /// requested (5), fees due (6). Rejected (3), withdrawn (7), stopped (8), result ready (9) and
    /// returned (10) are not: with 9 the agency has finished, so its due date no longer runs.
    /// </summary>
    public static bool IsOpen(int status) => status is 1 or 2 or 4 or 5 or 6;

    /// <summary>Open and past its due date at <paramref name="now"/> (derived, never a status code).</summary>
    public static bool IsOverdue(int status, DateTimeOffset? dueAt, DateTimeOffset now) => IsOpen(status) && dueAt is { } due && due < now;
}
