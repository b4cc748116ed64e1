using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Integration.Core.Hosting;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.NationalPortal;

/// <summary>Checks a status change field by field (all errors at once) and turns it into the outbox payload.</summary>
internal static partial class DossierStatusValidator
{
    /// <summary>Clocks of the one-stop system may run ahead of ours by this much.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(10);

    public static bool IsDossierCode(string? value) => value is not null && DossierCodePattern().IsMatch(value);

    /// <summary>The outbox payload, or <see cref="PortalError.Invalid"/> with every bad field.</summary>
    public static Result<DossierChange, PortalError> Validate(string dossierCode, DossierStatusRequest? request, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (!IsDossierCode(dossierCode))
        {
            errors.Add(new FieldError("dossierCode", ProblemCodes.InvalidField, "dossierCode must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit."));
        }

        if (request is null)
        {
            errors.Add(new FieldError("body", ProblemCodes.MissingField, "A JSON body is required."));
            return new PortalError.Invalid(errors);
        }

        var procedureCode = Code(errors, "procedureCode", request.ProcedureCode, required: true);
        var fieldCode = Code(errors, "fieldCode", request.FieldCode, required: false);
        var procedureName = Text(errors, "procedureName", request.ProcedureName, 500, required: false);
        var status = Choice(errors, "status", request.Status, 1, 10);

        long version = 0;
        if (request.Version is not { } v)
        {
            errors.Add(Missing("version"));
        }
        else if (v < 1)
        {
            errors.Add(new FieldError("version", ProblemCodes.InvalidField, "version must be a positive integer."));
        }
        else
        {
            version = v;
        }

        var changedAt = Time(errors, "changedAt", request.ChangedAt, required: true);
        var receivedAt = Time(errors, "receivedAt", request.ReceivedAt, required: true);
        var dueAt = Time(errors, "dueAt", request.DueAt, required: false);
        var returnedAt = Time(errors, "returnedAt", request.ReturnedAt, required: status == 10);
        if (changedAt > now + ClockSkew)
        {
            errors.Add(new FieldError("changedAt", ProblemCodes.InvalidField, "changedAt is in the future."));
        }

        if (receivedAt is { } r)
        {
            if (changedAt < r)
            {
                errors.Add(new FieldError("changedAt", ProblemCodes.InvalidField, "changedAt is before receivedAt."));
            }

            if (dueAt < r)
            {
                errors.Add(new FieldError("dueAt", ProblemCodes.InvalidField, "dueAt is before receivedAt."));
            }

            if (returnedAt < r)
            {
                errors.Add(new FieldError("returnedAt", ProblemCodes.InvalidField, "returnedAt is before receivedAt."));
            }
        }

        var agencyCode = Code(errors, "agencyCode", request.AgencyCode, required: true);
        var applicantName = Text(errors, "applicantName", request.ApplicantName, 200, required: true);
        var applicantType = Choice(errors, "applicantType", request.ApplicantType, 1, 2);
        string? phone = null;
        if (!string.IsNullOrWhiteSpace(request.PhoneNumber))
        {
            if (PhoneNumber.TryParse(request.PhoneNumber, out var parsed))
            {
                phone = parsed.E164;
            }
            else
            {
                errors.Add(new FieldError("phoneNumber", ProblemCodes.InvalidPhoneNumber, "phoneNumber is not a Vietnamese mobile number (0xxxxxxxxx, 84xxxxxxxxx or +84xxxxxxxxx)."));
            }
        }

        var summary = Text(errors, "summary", request.Summary, 2000, required: false);
        var channel = Choice(errors, "channel", request.Channel, 1, 3);
        var handler = Text(errors, "handler", request.Handler, 200, required: false);
        var handlerTitle = Text(errors, "handlerTitle", request.HandlerTitle, 200, required: false);
        var department = Text(errors, "department", request.Department, 200, required: false);
        var note = Text(errors, "note", request.Note, 2000, required: false);
        if (handler is null && (handlerTitle ?? department ?? note) is not null)
        {
            errors.Add(new FieldError("handler", ProblemCodes.MissingField, "handler is required when handlerTitle, department or note is given."));
        }

        List<DossierFee>? fees = null;
        if (request.Fees is { } list)
        {
            if (list.Count > 50)
            {
                errors.Add(new FieldError("fees", ProblemCodes.InvalidField, "fees may hold at most 50 entries."));
            }
            else
            {
                fees = [];
                for (var i = 0; i < list.Count; i++)
                {
                    var f = list[i];
                    var field = $"fees[{i}]";
                    if (f is null)
                    {
                        errors.Add(Missing(field));
                        continue;
                    }

                    var code = Code(errors, field + ".code", f.Code, required: false);
                    var name = Text(errors, field + ".name", f.Name, 300, required: true);
                    if (f.Amount is not { } amount)
                    {
                        errors.Add(Missing(field + ".amount"));
                    }
                    else if (amount is < 0 or > 1_000_000_000_000)
                    {
                        errors.Add(new FieldError(field + ".amount", ProblemCodes.InvalidField, "amount must be between 0 and 1000000000000 VND."));
                    }
                    else if (name is not null)
                    {
                        fees.Add(new DossierFee(code, name, amount));
                    }
                }
            }
        }

        if (errors.Count > 0)
        {
            return new PortalError.Invalid(errors);
        }

        return new DossierChange(
            dossierCode, version, procedureCode!, procedureName, fieldCode, status, changedAt!.Value, receivedAt!.Value, dueAt, returnedAt,
            agencyCode!, applicantName!, applicantType, phone, summary, channel, handler, handlerTitle, department, note, fees);
    }

    /// <summary>
    /// ISO 8601 with an offset (<c>2026-01-05T08:30:00+07:00</c>, <c>…Z</c>), or without one, read as Vietnam time.
    /// </summary>
    internal static bool TryParseTime(string value, out DateTimeOffset result)
    {
        if (OffsetSuffix().IsMatch(value))
        {
            return DateTimeOffset.TryParseExact(value, WithOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out result);
        }

        if (DateTime.TryParseExact(value, WithoutOffset, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            result = new DateTimeOffset(local, VietnamTime.Offset);
            return true;
        }

        result = default;
        return false;
    }

    private static readonly string[] WithOffset = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"];
    private static readonly string[] WithoutOffset = ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm"];

    private static FieldError Missing(string field) => new(field, ProblemCodes.MissingField, $"{field} is required.");

    private static string? Code(List<FieldError> errors, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(Missing(field));
            }

            return null;
        }

        if (!NationalPortalOptions.CodePattern().IsMatch(value))
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} must be 1-50 letters, digits, '.', '-' or '_'."));
            return null;
        }

        return value;
    }

    private static string? Text(List<FieldError> errors, string field, string? value, int maxLength, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(Missing(field));
            }

            return null;
        }

        var text = value.Trim().Normalize(NormalizationForm.FormC);
        if (text.Length > maxLength)
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} may be at most {maxLength} characters."));
            return null;
        }

        if (text.Any(char.IsControl))
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} must not contain control characters."));
            return null;
        }

        return text;
    }

    private static int Choice(List<FieldError> errors, string field, int? value, int min, int max)
    {
        if (value is not { } v)
        {
            errors.Add(Missing(field));
            return 0;
        }

        if (v < min || v > max)
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} must be an integer from {min} to {max}."));
            return 0;
        }

        return v;
    }

    private static DateTimeOffset? Time(List<FieldError> errors, string field, string? value, bool required)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors.Add(Missing(field));
            }

            return null;
        }

        if (value.Length > 40 || !TryParseTime(value.Trim(), out var parsed))
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} must be an ISO 8601 date and time, e.g. 2026-01-05T08:30:00+07:00."));
            return null;
        }

        return parsed;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex DossierCodePattern();

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex OffsetSuffix();
}
