using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// Seals a signed-in profile under its one-time ticket: the store keeps only an id and a ciphertext,
/// both derived from the ticket (HKDF-SHA256, AES-256-GCM), so a reader of the store can neither
/// redeem a ticket nor read the profile, and any gateway instance holding the ticket can open it
/// without sharing a key.
/// </summary>
internal static class TicketSeal
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>The store key of <paramref name="ticket"/> (which must be <see cref="SecretTokens.IsWellFormed"/>).</summary>
    public static string Id(string ticket) => Base64Url.EncodeToString(Derive(ticket, "vneid-ticket/id"));

    public static string Seal(string ticket, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = new AesGcm(Derive(ticket, "vneid-ticket/key"), TagSize);
        aes.Encrypt(output.AsSpan(0, NonceSize), plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Encoding.ASCII.GetBytes(Id(ticket)));
        return Convert.ToBase64String(output);
    }

    /// <summary>The plaintext, or null when <paramref name="sealedValue"/> was not sealed under this ticket.</summary>
    public static byte[]? Open(string ticket, string sealedValue)
    {
        byte[] input;
        try
        {
            input = Convert.FromBase64String(sealedValue);
        }
        catch (FormatException)
        {
            return null;
        }

        if (input.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[input.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(Derive(ticket, "vneid-ticket/key"), TagSize);
            aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize + TagSize), input.AsSpan(NonceSize, TagSize), plaintext, Encoding.ASCII.GetBytes(Id(ticket)));
            return plaintext;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static byte[] Derive(string ticket, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Base64Url.DecodeFromChars(ticket), 32, salt: null, info: Encoding.ASCII.GetBytes(purpose));
}
