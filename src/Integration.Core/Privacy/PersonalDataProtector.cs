using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Integration.Core.Privacy;

/// <summary>
/// Keyed hashes (HMAC-SHA256) so that no ID or phone number appears in a cache key or an audit
/// row, and AES-256-GCM so that no personal data sits in Redis in clear.
/// </summary>
public sealed class PersonalDataProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _hashKey;
    private readonly byte[] _encryptionKey;

    public PersonalDataProtector(IOptions<PrivacyOptions> options)
    {
        var o = options.Value;
        _hashKey = string.IsNullOrEmpty(o.HashKey) ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(o.HashKey);
        _encryptionKey = string.IsNullOrEmpty(o.EncryptionKey) ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(o.EncryptionKey);
    }

    /// <summary>A URL-safe keyed hash of <paramref name="value"/>, separated by <paramref name="purpose"/>.</summary>
    public string Hash(string purpose, string value)
    {
        var input = Encoding.UTF8.GetBytes(purpose + "\u001f" + value);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_hashKey, input, mac);
        return Base64Url(mac[..20]);
    }

    /// <summary>Encrypts <paramref name="plaintext"/>, bound to <paramref name="associatedData"/> (e.g. the cache key).</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plaintext, string associatedData)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), Encoding.UTF8.GetBytes(associatedData));
        return output;
    }

    /// <summary>Decrypts what <see cref="Encrypt"/> wrote; null when it was tampered with or written under another key.</summary>
    public byte[]? Decrypt(ReadOnlySpan<byte> ciphertext, string associatedData)
    {
        if (ciphertext.Length < NonceSize + TagSize)
        {
            return null;
        }

        var plaintext = new byte[ciphertext.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_encryptionKey, TagSize);
            aes.Decrypt(ciphertext[..NonceSize], ciphertext[(NonceSize + TagSize)..], ciphertext.Slice(NonceSize, TagSize), plaintext, Encoding.UTF8.GetBytes(associatedData));
            return plaintext;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
