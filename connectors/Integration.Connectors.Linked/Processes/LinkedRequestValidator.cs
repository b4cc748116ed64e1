using System.Globalization;
using System.Text.RegularExpressions;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Linked.Processes;

/// <summary>
/// Checks a linked dossier before anything is stored or sent: every bad field is named in one
/// <see cref="LinkedError.Invalid"/>. ID
/// numbers are 12-digit CCCDs (the national systems key on the personal ID number, not the old 9-digit
/// CMND) whose implied birth year is not in the future; a mother's number must be a woman's and a
/// father's a man's (the century digit's parity); dates are <c>yyyy-MM-dd</c>.
/// </summary>
internal static partial class LinkedRequestValidator
{
    public static Result<LinkedBirthRequest, LinkedError> Validate(LinkedBirthRequest? r, DateOnly today)
    {
        var e = new Errors(today);
        if (r is null)
        {
            return BodyMissing();
        }

        e.DossierCode(r.DossierCode);
        if (e.Section(r.Child, "child") is { } c)
        {
            e.Name(c.FullName, "child.fullName");
            e.Require(c.Sex is 1 or 2, "child.sex", c.Sex is null ? ProblemCodes.MissingField : ProblemCodes.InvalidField, "child.sex must be 1 (male) or 2 (female).");
            if (e.Date(c.DateOfBirth, "child.dateOfBirth") is { } born)
            {
                e.Require(born <= today, "child.dateOfBirth", ProblemCodes.InvalidField, "child.dateOfBirth must not be in the future.");
                e.Require(born > today.AddYears(-6), "child.dateOfBirth", ProblemCodes.InvalidField, "child.dateOfBirth must be less than 6 years ago: the free health-insurance card is for children under 6.");
            }

            e.Text(c.PlaceOfBirth, "child.placeOfBirth", 200);
            e.Text(c.Ethnicity, "child.ethnicity", 50);
            e.Text(c.Nationality, "child.nationality", 50);
        }

        if (e.Section(r.Mother, "mother") is { } m)
        {
            e.Name(m.FullName, "mother.fullName");
            if (e.Id(m.IdNumber, "mother.idNumber") is { Female: false })
            {
                e.Add("mother.idNumber", ProblemCodes.InvalidIdNumber, "mother.idNumber is a man's number (its century digit is even).");
            }
        }

        if (r.Father is { } f)
        {
            e.Name(f.FullName, "father.fullName");
            if (e.Id(f.IdNumber, "father.idNumber") is { Female: true })
            {
                e.Add("father.idNumber", ProblemCodes.InvalidIdNumber, "father.idNumber is a woman's number (its century digit is odd).");
            }
        }

        e.Requester(r.Requester);
        if (e.Section(r.Residence, "residence") is { } res)
        {
            e.Id(res.HeadIdNumber, "residence.headIdNumber");
            e.Text(res.RelationToHead, "residence.relationToHead", 50);
            e.Commune(res.CommuneCode, "residence.communeCode");
            e.Text(res.Address, "residence.address", 300);
        }

        if (e.Section(r.HealthInsurance, "healthInsurance") is { } h)
        {
            e.Commune(h.CommuneCode, "healthInsurance.communeCode");
            e.Require(h.FacilityCode is not null, "healthInsurance.facilityCode", ProblemCodes.MissingField, "healthInsurance.facilityCode is required.");
            if (h.FacilityCode is not null)
            {
                e.Require(FacilityPattern().IsMatch(h.FacilityCode), "healthInsurance.facilityCode", ProblemCodes.InvalidField, "healthInsurance.facilityCode must be 5 digits (the facility's code at social insurance).");
            }
        }

        return e.Count == 0 ? r : new LinkedError.Invalid(e.List);
    }

    public static Result<LinkedDeathRequest, LinkedError> Validate(LinkedDeathRequest? r, DateOnly today)
    {
        var e = new Errors(today);
        if (r is null)
        {
            return BodyMissing();
        }

        e.DossierCode(r.DossierCode);
        if (e.Section(r.Deceased, "deceased") is { } d)
        {
            e.Name(d.FullName, "deceased.fullName");
            var id = e.Id(d.IdNumber, "deceased.idNumber");
            if (e.Date(d.DateOfDeath, "deceased.dateOfDeath") is { } died)
            {
                e.Require(died <= today, "deceased.dateOfDeath", ProblemCodes.InvalidField, "deceased.dateOfDeath must not be in the future.");
                e.Require(id?.BirthYear is not { } year || died.Year >= year, "deceased.dateOfDeath", ProblemCodes.InvalidField, "deceased.dateOfDeath is before the birth year deceased.idNumber implies.");
            }

            e.Text(d.PlaceOfDeath, "deceased.placeOfDeath", 200);
        }

        e.Requester(r.Requester);
        if (e.Section(r.Funeral, "funeral") is { } fu && e.Section(fu.Recipient, "funeral.recipient") is { } rc)
        {
            e.Name(rc.FullName, "funeral.recipient.fullName");
            e.Id(rc.IdNumber, "funeral.recipient.idNumber");
            e.Require(rc.BankBin is not null, "funeral.recipient.bankBin", ProblemCodes.MissingField, "funeral.recipient.bankBin is required.");
            if (rc.BankBin is not null)
            {
                e.Require(BankBinPattern().IsMatch(rc.BankBin), "funeral.recipient.bankBin", ProblemCodes.InvalidField, "funeral.recipient.bankBin must be the bank's 6-digit NAPAS BIN (97xxxx).");
            }

            e.Require(rc.AccountNumber is not null, "funeral.recipient.accountNumber", ProblemCodes.MissingField, "funeral.recipient.accountNumber is required.");
            if (rc.AccountNumber is not null)
            {
                e.Require(AccountPattern().IsMatch(rc.AccountNumber), "funeral.recipient.accountNumber", ProblemCodes.InvalidField, "funeral.recipient.accountNumber must be 6 to 19 digits.");
            }
        }

        return e.Count == 0 ? r : new LinkedError.Invalid(e.List);
    }

    private static LinkedError.Invalid BodyMissing() => new([new FieldError("body", ProblemCodes.MissingField, "A JSON body is required.")]);

    internal static bool IsDossierCode(string? value) => value is not null && DossierPattern().IsMatch(value);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex DossierPattern();

    [GeneratedRegex("^[0-9]{5}$")]
    private static partial Regex CommunePattern();

    [GeneratedRegex("^[0-9]{5}$")]
    private static partial Regex FacilityPattern();

    [GeneratedRegex("^97[0-9]{4}$")]
    private static partial Regex BankBinPattern();

    [GeneratedRegex("^[0-9]{6,19}$")]
    private static partial Regex AccountPattern();

    private sealed class Errors(DateOnly today)
    {
        private readonly List<FieldError> _errors = [];

        public int Count => _errors.Count;

        public IReadOnlyList<FieldError> List => _errors;

        public void Add(string field, string code, string message)
        {
            if (!_errors.Any(x => x.Field == field))
            {
                _errors.Add(new FieldError(field, code, message));
            }
        }

        public void Require(bool ok, string field, string code, string message)
        {
            if (!ok)
            {
                Add(field, code, message);
            }
        }

        public T? Section<T>(T? value, string field)
            where T : class
        {
            Require(value is not null, field, ProblemCodes.MissingField, $"{field} is required.");
            return value;
        }

        public void DossierCode(string? value) =>
            Require(IsDossierCode(value), "dossierCode", value is null ? ProblemCodes.MissingField : ProblemCodes.InvalidField,
                "dossierCode must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit.");

        public void Text(string? value, string field, int max)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Add(field, ProblemCodes.MissingField, $"{field} is required.");
            }
            else if (value.Length > max || value.Any(char.IsControl))
            {
                Add(field, ProblemCodes.InvalidField, $"{field} must be at most {max} characters, without control characters.");
            }
        }

        public void Name(string? value, string field)
        {
            Text(value, field, 100);
            if (!string.IsNullOrWhiteSpace(value) && value.Any(char.IsDigit))
            {
                Add(field, ProblemCodes.InvalidField, $"{field} must not contain digits.");
            }
        }

        public CitizenIdNumber? Id(string? value, string field)
        {
            if (value is null)
            {
                Add(field, ProblemCodes.MissingField, $"{field} is required.");
                return null;
            }

            if (!CitizenIdNumber.TryParse(value, today, null, out var id, out _) || id.Kind != CitizenIdKind.Cccd)
            {
                Add(field, ProblemCodes.InvalidIdNumber, $"{field} must be a 12-digit personal ID number whose implied birth year is not in the future.");
                return null;
            }

            return id;
        }

        public DateOnly? Date(string? value, string field)
        {
            if (value is null)
            {
                Add(field, ProblemCodes.MissingField, $"{field} is required.");
                return null;
            }

            if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                Add(field, ProblemCodes.InvalidField, $"{field} must be a date yyyy-MM-dd.");
                return null;
            }

            return date;
        }

        public void Commune(string? value, string field)
        {
            if (value is null)
            {
                Add(field, ProblemCodes.MissingField, $"{field} is required.");
            }
            else
            {
                Require(CommunePattern().IsMatch(value), field, ProblemCodes.InvalidField, $"{field} must be a 5-digit commune code.");
            }
        }

        public void Requester(LinkedRequester? r)
        {
            if (Section(r, "requester") is { } q)
            {
                Name(q.FullName, "requester.fullName");
                Id(q.IdNumber, "requester.idNumber");
                Text(q.Relation, "requester.relation", 50);
            }
        }
    }
}
