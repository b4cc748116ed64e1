using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// VNPAY 2.1.0 signatures (docs/domain.md, "VNPAY"): the pay URL and IPN/return parameters are signed with
/// HMAC-SHA512 over the non-empty parameters sorted ordinally and joined as
/// <c>urlencode(k)=urlencode(v)</c> with <c>&amp;</c>, where urlencode is <see cref="WebUtility.UrlEncode"/>
/// (a space becomes <c>+</c>, as in VNPAY's own .NET sample); <c>querydr</c> signs its values joined with <c>|</c>.
/// </summary>
internal sealed class VnpaySigner(string hashSecret)
{
    public const string SecureHash = "vnp_SecureHash";
    public const string SecureHashType = "vnp_SecureHashType";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(hashSecret);

    /// <summary>The query string VNPAY signs: empty values dropped, keys sorted ordinally, each part URL-encoded.</summary>
    public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string?>> parameters) =>
        string.Join('&', parameters
            .Where(p => !string.IsNullOrEmpty(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => WebUtility.UrlEncode(p.Key) + "=" + WebUtility.UrlEncode(p.Value)));

    /// <summary>Lower-case hex HMAC-SHA512 of <paramref name="data"/>.</summary>
    public string Sign(string data) => Convert.ToHexStringLower(HMACSHA512.HashData(_key, Encoding.UTF8.GetBytes(data)));

    /// <summary>The signed pay URL: <paramref name="payUrl"/>?canonical-query&amp;vnp_SecureHash=hex.</summary>
    public string SignedUrl(string payUrl, IEnumerable<KeyValuePair<string, string?>> parameters)
    {
        var query = CanonicalQuery(parameters);
        return payUrl + (payUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query + "&" + SecureHash + "=" + Sign(query);
    }

    /// <summary>
    /// True when the <c>vnp_*</c> parameters of an IPN or return URL carry a valid <c>vnp_SecureHash</c>:
    /// recomputed without <c>vnp_SecureHash</c>/<c>vnp_SecureHashType</c>, compared in constant time, in any letter case.
    /// </summary>
    public bool Verify(IReadOnlyDictionary<string, string?> parameters)
    {
        if (!parameters.TryGetValue(SecureHash, out var presented) || string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var signed = parameters.Where(p => p.Key.StartsWith("vnp_", StringComparison.Ordinal) && p.Key is not (SecureHash or SecureHashType));
        return HexEquals(presented, HMACSHA512.HashData(_key, Encoding.UTF8.GetBytes(CanonicalQuery(signed))));
    }

    /// <summary>Verifies a hex signature over <paramref name="data"/> (the <c>|</c>-joined answer of <c>querydr</c>).</summary>
    public bool VerifyData(string data, string? presented) =>
        !string.IsNullOrEmpty(presented) && HexEquals(presented, HMACSHA512.HashData(_key, Encoding.UTF8.GetBytes(data)));

    /// <summary>Constant-time comparison of a hex string (either case) with the expected bytes.</summary>
    public static bool HexEquals(string presentedHex, ReadOnlySpan<byte> expected)
    {
        if (presentedHex.Length != expected.Length * 2)
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[expected.Length];
        return Convert.FromHexString(presentedHex, presented, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == expected.Length
            && CryptographicOperations.FixedTimeEquals(presented, expected);
    }
}
