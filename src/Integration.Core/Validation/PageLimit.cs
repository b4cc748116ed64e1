using System.Diagnostics.CodeAnalysis;
using Integration.Core.Problems;

namespace Integration.Core.Validation;

/// <summary>
/// The <c>limit</c> query parameter of a list route: how many rows to answer. One rule for every list: absent means the
/// route's default, otherwise 1 to the route's maximum (<c>invalid_field</c> naming <c>limit</c>).
/// </summary>
public static class PageLimit
{
    /// <summary>The number of rows to read, or the field error that refuses <paramref name="value"/>.</summary>
    /// <param name="value">The parameter as the caller sent it, if at all.</param>
    /// <param name="fallback">The route's default.</param>
    /// <param name="max">The route's maximum.</param>
    /// <param name="take">The rows to read; meaningless when refused.</param>
    /// <param name="error">Why <paramref name="value"/> is refused.</param>
    public static bool TryParse(int? value, int fallback, int max, out int take, [NotNullWhen(false)] out FieldError? error)
    {
        take = value ?? fallback;
        error = value is < 1 || value > max
            ? new FieldError("limit", ProblemCodes.InvalidField, $"limit must be between 1 and {max}.")
            : null;
        return error is null;
    }
}
