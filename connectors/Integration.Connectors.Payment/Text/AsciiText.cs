using System.Globalization;
using System.Text;

namespace Integration.Connectors.Payment.Text;

/// <summary>Vietnamese text without diacritics, as VNPAY wants <c>vnp_OrderInfo</c> ("Tiếng Việt không dấu").</summary>
internal static class AsciiText
{
    /// <summary>
    /// Removes diacritics (<c>đ</c> → <c>d</c>), keeps letters, digits, spaces and <c>- . , : _ /</c>,
    /// collapses runs of spaces and cuts at <paramref name="maxLength"/>.
    /// </summary>
    public static string WithoutDiacritics(string value, int maxLength)
    {
        var decomposed = value.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        var lastWasSpace = true;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            var ascii = c switch
            {
                'đ' => 'd',
                'Đ' => 'D',
                _ when char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or ',' or ':' or '_' or '/' => c,
                _ => ' ',
            };
            if (ascii == ' ')
            {
                if (!lastWasSpace)
                {
                    sb.Append(' ');
                }

                lastWasSpace = true;
                continue;
            }

            sb.Append(ascii);
            lastWasSpace = false;
        }

        var text = sb.ToString().Trim();
        return text.Length <= maxLength ? text : text[..maxLength].TrimEnd();
    }
}
