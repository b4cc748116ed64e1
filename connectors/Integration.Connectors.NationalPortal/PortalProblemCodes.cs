namespace Integration.Connectors.NationalPortal;

/// <summary>Stable <c>code</c> values of the NationalPortal connector's problem answers (besides the shared <c>Integration.Core.Problems.ProblemCodes</c>).</summary>
public static class PortalProblemCodes
{
    /// <summary>This version of the dossier was already received with other content.</summary>
    public const string VersionConflict = "version_conflict";
}
