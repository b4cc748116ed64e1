using System.Globalization;
using System.Text;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity.Citizens;

/// <summary>A citizen check that passed the local checks: what is sent to C06 and what keys the cache.</summary>
internal sealed record CitizenQuery(CitizenIdNumber Id, string FullName, DateOnly DateOfBirth, LookupPurpose Purpose)
{
    public const int MaxNameLength = 100;

    /// <summary>The inputs that identify C06's answer (hashed with a secret before they become a key).</summary>
    public string CacheKey => string.Join('\u001f', Id.Value, FullName, DateOfBirth.ToString("yyyyMMdd", CultureInfo.InvariantCulture));

    /// <summary>
    /// Checks every field (docs/domain.md, "Citizen ID number") and the purpose (<paramref name="purposeHeader"/>
    /// or the request's); either a query or every field error.
    /// </summary>
    public static CitizenQuery? Parse(CitizenVerificationRequest request, string? purposeHeader, DateOnly today, out List<FieldError> errors)
    {
        errors = [];

        DateOnly? dateOfBirth = null;
        if (string.IsNullOrWhiteSpace(request.DateOfBirth))
        {
            errors.Add(new FieldError("dateOfBirth", ProblemCodes.MissingField, "dateOfBirth is required (yyyy-MM-dd)."));
        }
        else if (!DateOnly.TryParseExact(request.DateOfBirth.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dob))
        {
            errors.Add(new FieldError("dateOfBirth", ProblemCodes.InvalidField, "dateOfBirth must be a date written yyyy-MM-dd."));
        }
        else if (dob > today || dob.Year < 1900)
        {
            errors.Add(new FieldError("dateOfBirth", ProblemCodes.InvalidField, "dateOfBirth must be between 1900-01-01 and today."));
        }
        else
        {
            dateOfBirth = dob;
        }

        CitizenIdNumber? id = null;
        if (string.IsNullOrWhiteSpace(request.IdNumber))
        {
            errors.Add(new FieldError("idNumber", ProblemCodes.MissingField, "idNumber is required."));
        }
        else if (!CitizenIdNumber.TryParse(request.IdNumber, today, dateOfBirth, out id, out var code))
        {
            errors.Add(code == ProblemCodes.DateOfBirthMismatch
                ? new FieldError("dateOfBirth", code, "The year of dateOfBirth is not the birth year the idNumber carries.")
                : new FieldError("idNumber", code, "idNumber must be a 12-digit CCCD whose birth year is not in the future, or a 9-digit CMND."));
        }

        var fullName = request.FullName?.Trim().Normalize(NormalizationForm.FormC);
        if (string.IsNullOrEmpty(fullName))
        {
            errors.Add(new FieldError("fullName", ProblemCodes.MissingField, "fullName is required."));
        }
        else if (fullName.Length > MaxNameLength || !IsName(fullName))
        {
            errors.Add(new FieldError("fullName", ProblemCodes.InvalidField,
                $"fullName must be at most {MaxNameLength} characters of letters, spaces, apostrophes, hyphens and dots."));
        }

        var purpose = LookupPurpose.Parse(purposeHeader, request.Purpose, errors);

        return errors.Count == 0 ? new CitizenQuery(id!, fullName!, dateOfBirth!.Value, purpose!) : null;
    }

    private static bool IsName(string name)
    {
        foreach (var c in name)
        {
            var ok = char.IsLetter(c)
                || c is ' ' or '\'' or '-' or '.' or '\u2019'
                || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
