using System.Globalization;
using System.Text.Json.Nodes;
using Integration.Connectors.Linked.Upstreams;
using Integration.Core.Privacy;

namespace Integration.Connectors.Linked.Processes;

/// <summary>What a step's input is built from: the request (with any corrections) and the results of the steps it depends on.</summary>
internal sealed record StepInput(string DossierCode, LinkedBirthRequest? Birth, LinkedDeathRequest? Death, IReadOnlyDictionary<string, JsonObject> Results)
{
    public JsonObject Result(string step) => Results.TryGetValue(step, out var r) ? r : throw new InvalidOperationException($"The result of {step} is missing.");
}

/// <summary>
/// One step of a linked process: where it goes, what it needs, how its request is built, what is kept of
/// the answer (stored encrypted) and what callers see of it (masked).
/// </summary>
internal sealed record StepDefinition(
    string Name,
    IReadOnlyList<string> DependsOn,
    string Upstream,
    string Path,
    IReadOnlyList<string> Correctable,
    Func<StepInput, JsonObject> Build,
    Func<JsonObject, JsonObject> Keep,
    Func<JsonObject, JsonObject> View,
    Func<StepInput, string?> Subject,
    Func<JsonObject, string> Note);

/// <summary>The two linked groups (docs/linked-procedures.md).</summary>
internal static class LinkedSteps
{
    public const string Birth = "birth";
    public const string Death = "death";

    public const string BirthRegistration = "birth_registration";
    public const string PermanentResidence = "permanent_residence";
    public const string HealthInsuranceCard = "health_insurance_card";
    public const string DeathRegistration = "death_registration";
    public const string ResidenceRemoval = "residence_removal";
    public const string FuneralAllowance = "funeral_allowance";

    public static readonly IReadOnlyList<StepDefinition> BirthSteps =
    [
        new(
            BirthRegistration, [], LinkedSystems.CivilRegistry, "api/khaisinh", ["child", "mother", "father", "requester"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["tre"] = new JsonObject
                {
                    ["hoTen"] = i.Birth!.Child!.FullName,
                    ["gioiTinh"] = i.Birth.Child.Sex,
                    ["ngaySinh"] = Compact(i.Birth.Child.DateOfBirth!),
                    ["noiSinh"] = i.Birth.Child.PlaceOfBirth,
                    ["danToc"] = i.Birth.Child.Ethnicity,
                    ["quocTich"] = i.Birth.Child.Nationality,
                },
                ["me"] = Person(i.Birth.Mother!.FullName, i.Birth.Mother.IdNumber),
                ["cha"] = i.Birth.Father is { } f ? Person(f.FullName, f.IdNumber) : null,
                ["nguoiYeuCau"] = Requester(i.Birth.Requester!),
            },
            a =>
            {
                var id = Required(a, "soDinhDanh");
                if (id.Length != 12 || !id.All(char.IsAsciiDigit))
                {
                    throw new LinkedAnswerException("The civil registry answered without a 12-digit soDinhDanh for the child.");
                }

                return new JsonObject { ["registrationNumber"] = Required(a, "soDangKy"), ["registeredOn"] = Iso(Required(a, "ngayDangKy")), ["childIdNumber"] = id };
            },
            r => new JsonObject
            {
                ["registrationNumber"] = Str(r, "registrationNumber"),
                ["registeredOn"] = Str(r, "registeredOn"),
                ["childIdNumberMasked"] = PersonalDataMask.IdNumber(Str(r, "childIdNumber")),
            },
            i => i.Birth!.Mother!.IdNumber,
            r => $"Liên thông: đã đăng ký khai sinh, số đăng ký {Str(r, "registrationNumber")}; đã cấp số định danh cá nhân cho trẻ."),
        new(
            PermanentResidence, [BirthRegistration], LinkedSystems.Residence, "api/thuongtru/dangky", ["residence"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["soDinhDanh"] = Str(i.Result(BirthRegistration), "childIdNumber"),
                ["soDinhDanhChuHo"] = i.Birth!.Residence!.HeadIdNumber,
                ["quanHeVoiChuHo"] = i.Birth.Residence.RelationToHead,
                ["diaChi"] = new JsonObject { ["maXa"] = i.Birth.Residence.CommuneCode, ["chiTiet"] = i.Birth.Residence.Address },
            },
            a => new JsonObject { ["householdCode"] = Required(a, "maHo") },
            r => (JsonObject)r.DeepClone(),
            i => Str(i.Result(BirthRegistration), "childIdNumber"),
            _ => "Liên thông: đã đăng ký thường trú cho trẻ."),
        new(
            HealthInsuranceCard, [BirthRegistration], LinkedSystems.SocialInsurance, "api/the-bhyt/tre-em", ["healthInsurance", "child"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["soDinhDanh"] = Str(i.Result(BirthRegistration), "childIdNumber"),
                ["hoTen"] = i.Birth!.Child!.FullName,
                ["ngaySinh"] = Compact(i.Birth.Child.DateOfBirth!),
                ["gioiTinh"] = i.Birth.Child.Sex,
                ["maXa"] = i.Birth.HealthInsurance!.CommuneCode,
                ["maCoSoKCB"] = i.Birth.HealthInsurance.FacilityCode,
            },
            a => new JsonObject { ["cardNumber"] = Required(a, "maThe"), ["validFrom"] = Iso(Required(a, "giaTriTu")), ["validTo"] = Iso(Required(a, "giaTriDen")) },
            r => (JsonObject)r.DeepClone(),
            i => Str(i.Result(BirthRegistration), "childIdNumber"),
            _ => "Liên thông: đã cấp thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi."),
    ];

    public static readonly IReadOnlyList<StepDefinition> DeathSteps =
    [
        new(
            DeathRegistration, [], LinkedSystems.CivilRegistry, "api/khaitu", ["deceased", "requester"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["nguoiMat"] = new JsonObject
                {
                    ["hoTen"] = i.Death!.Deceased!.FullName,
                    ["soDinhDanh"] = i.Death.Deceased.IdNumber,
                    ["ngayMat"] = Compact(i.Death.Deceased.DateOfDeath!),
                    ["noiMat"] = i.Death.Deceased.PlaceOfDeath,
                },
                ["nguoiYeuCau"] = Requester(i.Death.Requester!),
            },
            a => new JsonObject { ["registrationNumber"] = Required(a, "soDangKy"), ["registeredOn"] = Iso(Required(a, "ngayDangKy")) },
            r => (JsonObject)r.DeepClone(),
            i => i.Death!.Deceased!.IdNumber,
            r => $"Liên thông: đã đăng ký khai tử, số đăng ký {Str(r, "registrationNumber")}."),
        new(
            ResidenceRemoval, [DeathRegistration], LinkedSystems.Residence, "api/thuongtru/xoa", ["deceased"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["soDinhDanh"] = i.Death!.Deceased!.IdNumber,
                ["lyDo"] = "CHET",
                ["soDangKyKhaiTu"] = Str(i.Result(DeathRegistration), "registrationNumber"),
            },
            _ => new JsonObject { ["removed"] = true },
            r => (JsonObject)r.DeepClone(),
            i => i.Death!.Deceased!.IdNumber,
            _ => "Liên thông: đã xóa đăng ký thường trú của người đã mất."),
        new(
            FuneralAllowance, [DeathRegistration], LinkedSystems.SocialAffairs, "api/mai-tang-phi", ["funeral"],
            i => new JsonObject
            {
                ["maHoSo"] = i.DossierCode,
                ["soDinhDanhNguoiMat"] = i.Death!.Deceased!.IdNumber,
                ["soDangKyKhaiTu"] = Str(i.Result(DeathRegistration), "registrationNumber"),
                ["nguoiNhan"] = new JsonObject
                {
                    ["hoTen"] = i.Death.Funeral!.Recipient!.FullName,
                    ["soDinhDanh"] = i.Death.Funeral.Recipient.IdNumber,
                    ["maNganHang"] = i.Death.Funeral.Recipient.BankBin,
                    ["soTaiKhoan"] = i.Death.Funeral.Recipient.AccountNumber,
                },
            },
            a =>
            {
                var amount = Required(a, "soTien");
                return !long.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var vnd)
                    ? throw new LinkedAnswerException("Social affairs answered a soTien that is not a whole number of dong.")
                    : new JsonObject { ["decisionNumber"] = Required(a, "soQuyetDinh"), ["amount"] = vnd };
            },
            r => (JsonObject)r.DeepClone(),
            i => i.Death!.Funeral!.Recipient!.IdNumber,
            r => $"Liên thông: đã quyết định hỗ trợ chi phí mai táng, số quyết định {Str(r, "decisionNumber")}."),
    ];

    public static IReadOnlyList<StepDefinition> For(string kind) => kind == Birth ? BirthSteps : DeathSteps;

    public static StepDefinition? Find(string kind, string step) => For(kind).FirstOrDefault(s => s.Name == step);

    internal static string? Str(JsonObject? node, string name) => LinkedApiClient.Text(node, name);

    private static string Required(JsonObject answer, string name) =>
        LinkedApiClient.Text(answer, name) is { Length: > 0 } s
            ? s
            : throw new LinkedAnswerException($"The answer has no {name}.");

    private static JsonObject Person(string? name, string? id) => new() { ["hoTen"] = name, ["soDinhDanh"] = id };

    private static JsonObject Requester(LinkedRequester r) => new() { ["hoTen"] = r.FullName, ["soDinhDanh"] = r.IdNumber, ["quanHe"] = r.Relation };

    /// <summary><c>yyyy-MM-dd</c> (validated) to the systems' <c>yyyyMMdd</c>.</summary>
    private static string Compact(string isoDate) => isoDate.Replace("-", "", StringComparison.Ordinal);

    private static string Iso(string compact) =>
        DateOnly.TryParseExact(compact, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : throw new LinkedAnswerException($"The answer has a date '{compact}' that is not yyyyMMdd.");
}

/// <summary>A success answer that lacks what the next steps need: the step is retried later, not taken as done.</summary>
internal sealed class LinkedAnswerException(string message) : Exception(message);
