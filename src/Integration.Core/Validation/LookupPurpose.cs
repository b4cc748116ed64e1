using Integration.Core.Problems;

namespace Integration.Core.Validation;

/// <summary>
/// Why personal data is looked up (the procedure, e.g. "Đăng ký khai sinh"): required on every route that
/// reads a citizen's data, written into its audit row (Decree 13/2023). It comes in the <see cref="Header"/>
/// header or the body's <c>purpose</c> field; the header wins when both are given. One rule for every route:
/// trimmed, 1 to <see cref="MaxLength"/> characters, no control characters (docs/api-conventions.md).
/// </summary>
public sealed record LookupPurpose
{
    public const string Header = "X-Purpose";
    public const int MaxLength = 200;

    private LookupPurpose(string value) => Value = value;

    public string Value { get; }

    /// <summary>
    /// The purpose from <paramref name="header"/> or else <paramref name="field"/>; null with a
    /// <c>purpose</c> error added to <paramref name="errors"/> when it is missing or not acceptable.
    /// </summary>
    /// <param name="header">The <see cref="Header"/> header's value, if any.</param>
    /// <param name="field">The body's <c>purpose</c> field, if any.</param>
    /// <param name="errors">Where the error goes when there is one.</param>
    /// <param name="what">What the purpose is for, in the error message ("lookup", "redemption").</param>
    public static LookupPurpose? Parse(string? header, string? field, ICollection<FieldError> errors, string what = "lookup")
    {
        var value = (string.IsNullOrWhiteSpace(header) ? field : header)?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(new FieldError("purpose", ProblemCodes.MissingPurpose,
                $"The purpose of the {what} (the procedure) is required, in the {Header} header or the purpose field."));
            return null;
        }

        if (value.Length > MaxLength || value.Any(char.IsControl))
        {
            errors.Add(new FieldError("purpose", ProblemCodes.InvalidField, $"purpose must be at most {MaxLength} characters, without control characters."));
            return null;
        }

        return new LookupPurpose(value);
    }

    public override string ToString() => Value;
}
