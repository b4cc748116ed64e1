using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Integration.Core.Hosting;
using Integration.Core.Privacy;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// The citizen VNeID vouched for, as a ticket hands it to the calling system. <see cref="IdNumber"/> is
/// in clear because the system needs it to open a dossier: never log it, use <see cref="IdNumberMasked"/>.
/// </summary>
public sealed record VneIdProfile(
    string Subject,
    string IdNumber,
    string FullName,
    DateOnly? DateOfBirth,
    string? PhoneNumber,
    int IdentityLevel,
    string? AccountType,
    DateTimeOffset SignedInAt)
{
    [JsonIgnore]
    public string IdNumberMasked => PersonalDataMask.IdNumber(IdNumber);

    [JsonIgnore]
    public string? PhoneNumberMasked => PhoneNumber is null ? null : PersonalDataMask.Phone(PhoneNumber);

    /// <summary>Checks the claims; throws <see cref="VneIdSignInException"/> when they cannot identify a citizen.</summary>
    internal static VneIdProfile From(VneIdUserInfo info, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(info.Subject))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The userinfo has no sub.");
        }

        if (!CitizenIdNumber.TryParse(info.IdNumber, VietnamTime.Today(time), null, out var id, out _) || id.Kind != CitizenIdKind.Cccd)
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The userinfo's SoDinhDanh is not a 12-digit CCCD.");
        }

        if (string.IsNullOrWhiteSpace(info.FullName))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The userinfo has no HoVaTen.");
        }

        if (info.IdentityLevel is not (1 or 2))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The userinfo's MucDoDinhDanh is not 1 or 2.");
        }

        DateOnly? dateOfBirth = DateOnly.TryParseExact(info.DateOfBirth, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dob) ? dob : null;
        string? phone = Integration.Core.Validation.PhoneNumber.TryParse(info.PhoneNumber, out var p) ? p.E164 : null;
        return new VneIdProfile(
            info.Subject,
            id.Value,
            info.FullName.Trim().Normalize(NormalizationForm.FormC),
            dateOfBirth,
            phone,
            info.IdentityLevel.Value,
            string.IsNullOrWhiteSpace(info.AccountType) ? null : info.AccountType.Trim(),
            time.GetUtcNow());
    }
}
