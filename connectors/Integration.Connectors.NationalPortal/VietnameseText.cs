using System.Globalization;
using System.Text;

namespace Integration.Connectors.NationalPortal;

/// <summary>Folds Vietnamese text for search: lower case, diacritics removed (đ → d), anything but letters and digits a single space.</summary>
internal static class VietnameseText
{
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var decomposed = text.Normalize(NormalizationForm.FormD);
        var folded = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            // Đ/đ carry a stroke, not a combining mark: no decomposition removes it.
            var lower = c is 'Đ' or 'đ' ? 'd' : char.ToLowerInvariant(c);
            if (char.IsLetterOrDigit(lower))
            {
                if (pendingSpace && folded.Length > 0)
                {
                    folded.Append(' ');
                }

                folded.Append(lower);
                pendingSpace = false;
            }
            else
            {
                pendingSpace = true;
            }
        }

        return folded.ToString();
    }
}
