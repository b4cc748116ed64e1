using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// The random values of a sign-in (state, PKCE verifier, browser binding, ticket): 256 bits each,
/// base64url without padding (43 characters), and the hashes that stand for them in the store.
/// </summary>
internal static class SecretTokens
{
    public const int Length = 43;

    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static bool IsWellFormed(string? value) =>
        value is { Length: Length } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>What the store keeps instead of the value: SHA-256, base64url.</summary>
    public static string Hash(string value) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(value)));

    /// <summary>The PKCE S256 challenge of a verifier (RFC 7636, section 4.2).</summary>
    public static string Challenge(string verifier) => Hash(verifier);
}
