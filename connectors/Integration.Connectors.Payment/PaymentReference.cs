using System.Security.Cryptography;
using System.Text;

namespace Integration.Connectors.Payment;

/// <summary>
/// The reference a payment carries at its provider: <c>vnp_TxnRef</c> for VNPAY, the purpose (62.08) of the
/// VietQR code, which the payer's bank copies into the transfer content. <c>GW</c> and 12 characters of
/// Crockford base32 (60 random bits): short enough for the 25-character purpose field, letters and digits
/// only so that it survives banks that upper-case the content or strip its punctuation.
/// </summary>
internal static class PaymentReference
{
    public const string Prefix = "GW";
    public const int Length = 14;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New() => Prefix + new string(RandomNumberGenerator.GetItems<char>(Alphabet, Length - Prefix.Length));

    /// <summary>Every well-formed reference inside a transfer content, compared on its letters and digits only, upper-cased.</summary>
    public static IReadOnlyList<string> FindIn(string content)
    {
        var sb = new StringBuilder(content.Length);
        foreach (var c in content)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                sb.Append(char.ToUpperInvariant(c));
            }
        }

        var text = sb.ToString();
        var found = new List<string>();
        for (var i = text.IndexOf(Prefix, StringComparison.Ordinal); i >= 0 && i + Length <= text.Length; i = text.IndexOf(Prefix, i + 1, StringComparison.Ordinal))
        {
            var candidate = text.Substring(i, Length);
            if (candidate.AsSpan(Prefix.Length).IndexOfAnyExcept(Alphabet) < 0 && !found.Contains(candidate))
            {
                found.Add(candidate);
            }
        }

        return found;
    }
}
