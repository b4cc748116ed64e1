using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Telco;

/// <summary>A subscriber check that passed the local checks: the parsed number, ID number and purpose.</summary>
internal sealed record SubscriberQuery(PhoneNumber Phone, CitizenIdNumber IdNumber, LookupPurpose Purpose)
{
    /// <summary>Checks every field (docs/domain.md) and the purpose; either a query or every field error.</summary>
    public static SubscriberQuery? Parse(SubscriberCheckRequest request, string? purposeHeader, DateOnly today, out List<FieldError> errors)
    {
        errors = [];

        PhoneNumber? phone = null;
        if (request.PhoneNumber is null)
        {
            errors.Add(new FieldError("phoneNumber", ProblemCodes.MissingField, "phoneNumber is required."));
        }
        else if (!PhoneNumber.TryParse(request.PhoneNumber, out phone))
        {
            errors.Add(new FieldError("phoneNumber", ProblemCodes.InvalidPhoneNumber,
                "phoneNumber must be a Vietnamese mobile number: 0 and 9 digits, 84 and 9 digits, or +84 and 9 digits (spaces, dots and dashes allowed); the retired 11-digit numbers are not accepted."));
        }

        CitizenIdNumber? idNumber = null;
        if (request.IdNumber is null)
        {
            errors.Add(new FieldError("idNumber", ProblemCodes.MissingField, "idNumber is required."));
        }
        else if (!CitizenIdNumber.TryParse(request.IdNumber, today, null, out idNumber, out var code))
        {
            errors.Add(new FieldError("idNumber", code, "idNumber must be a 12-digit CCCD (whose birth year is not in the future) or a 9-digit CMND."));
        }

        var purpose = LookupPurpose.Parse(purposeHeader, request.Purpose, errors);
        return errors.Count == 0 ? new SubscriberQuery(phone!, idNumber!, purpose!) : null;
    }
}
