namespace Integration.Core.Privacy;

/// <summary>
/// Secrets that protect personal data. Both must be set, and shared by every instance, when
/// <c>Redis:Configuration</c> is set; without Redis a random pair is generated at start.
/// </summary>
public sealed class PrivacyOptions
{
    public const string SectionName = "Privacy";

    /// <summary>Base64 secret (32 bytes or more) for keyed hashes of ID and phone numbers in cache keys and audit rows.</summary>
    public string? HashKey { get; set; }

    /// <summary>Base64 AES-256 key (exactly 32 bytes) encrypting cached personal data before it reaches Redis.</summary>
    public string? EncryptionKey { get; set; }
}
