using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Integration.Connectors.Payment.Vnpay;

namespace Integration.Connectors.Payment.BankNotices;

/// <summary>
/// Authenticates a bank credit notice (docs/upstreams.md, "Bank credit notices"): <c>X-Signature</c> is the hex
/// HMAC-SHA256 over <c>X-Timestamp + "." + raw body</c>, and the timestamp (Unix seconds) must be within
/// the tolerance of the gateway's clock, so a captured notice cannot be replayed later.
/// </summary>
internal sealed class BankNoticeSignature(string secret)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    public string Sign(string timestamp, ReadOnlySpan<byte> body) => Convert.ToHexStringLower(Mac(timestamp, body));

    public BankNoticeCheck Check(string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            return BankNoticeCheck.Missing;
        }

        if (!VnpaySigner.HexEquals(signature, Mac(timestamp, body)))
        {
            return BankNoticeCheck.BadSignature;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > 253_402_300_799
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > tolerance)
        {
            return BankNoticeCheck.Stale;
        }

        return BankNoticeCheck.Valid;
    }

    private byte[] Mac(string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return HMACSHA256.HashData(_key, data);
    }
}

internal enum BankNoticeCheck
{
    Valid,
    Missing,
    BadSignature,
    Stale,
}
