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

    /// <summary>
    /// One keyed HMAC per thread and protector, reset after each use rather than created per hash: every cached
    /// lookup hashes twice (its cache key and its audit subject), and building the MAC context is most of the cost.
    /// </summary>
    [ThreadStatic]
    private static (PersonalDataProtector Owner, IncrementalHash Mac)? t_hmac;

    /// <summary>A URL-safe keyed hash of <paramref name="value"/>, separated by <paramref name="purpose"/>.</summary>
    public string Hash(string purpose, string value)
    {
        var hmac = t_hmac is { } cached && ReferenceEquals(cached.Owner, this) ? cached.Mac : NewThreadMac();

        // purpose, a unit separator, value: one buffer and one update (each update is a call into the crypto library).
        var max = Encoding.UTF8.GetMaxByteCount(purpose.Length) + 1 + Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> message = max <= 512 ? stackalloc byte[512] : new byte[max];
        var length = Encoding.UTF8.GetBytes(purpose, message);
        message[length++] = 0x1f;
        length += Encoding.UTF8.GetBytes(value, message[length..]);
        hmac.AppendData(message[..length]);
        Span<byte> mac = stackalloc byte[32];
        hmac.GetHashAndReset(mac);
        return Base64Url(mac[..20]);
    }

    private IncrementalHash NewThreadMac()
    {
        t_hmac?.Mac.Dispose();
        var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _hashKey);
        t_hmac = (this, mac);
        return mac;
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

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
