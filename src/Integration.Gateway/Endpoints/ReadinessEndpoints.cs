using Integration.Connectors.Identity;
using Integration.Connectors.Telco;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// <c>POST /api/v1/citizens/readiness</c>: one call for the one-stop desk before a level-2 e-ID account
/// is requested. The citizen check and the subscriber check run in parallel; when one upstream is
/// down the answer still comes, with that part marked unavailable.
/// </summary>
internal static class ReadinessEndpoints
{
    public static IEndpointRouteBuilder MapReadinessEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApiGroup("/api/v1/citizens", "Citizens", Scopes.IdentityAndTelco)
            .MapPost("/readiness", CheckReadinessAsync)
            .WithName("CheckCitizenReadiness")
            .WithSummary("Can this citizen open a level-2 e-ID account with this phone number? Blockers come with Vietnamese remediation.")
            .ProducesBodyProblems()
            .ProducesStoreProblem();
        return app;
    }

    internal static async Task<Results<Ok<ReadinessAnswer>, ProblemHttpResult>> CheckReadinessAsync(
        ReadinessRequest? body,
        [FromHeader(Name = LookupPurpose.Header)] string? purposeHeader,
        ICitizenVerifier verifier,
        ISubscriberOwnershipChecker checker,
        CancellationToken cancellationToken)
    {
        var citizen = new CitizenVerificationRequest(body?.IdNumber, body?.FullName, body?.DateOfBirth, body?.Purpose);
        var subscriber = new SubscriberCheckRequest(body?.PhoneNumber, body?.IdNumber, body?.Purpose);

        // Every field of both checks is validated before either upstream is called; errors are reported
        // together, a field both checks read (idNumber, purpose) once.
        var errors = verifier.Validate(citizen, purposeHeader).ToList();
        errors.AddRange(checker.Validate(subscriber, purposeHeader).Where(e => !errors.Any(x => x.Field == e.Field)));
        if (errors.Count > 0)
        {
            return GatewayProblems.Validation(ProblemCodes.ForFieldErrors(errors), errors);
        }

        var identityTask = PartAsync(() => verifier.VerifyAsync(citizen, purposeHeader, cancellationToken));
        var subscriberTask = PartAsync(() => checker.CheckAsync(subscriber, purposeHeader, cancellationToken));
        var (identity, identityRefused) = await identityTask;
        var (subscriberPart, subscriberRefused) = await subscriberTask;
        // Both were validated above; a refusal now can only come from a rule that moved in between (the date's turn).
        if (identityRefused is not null)
        {
            return identityRefused.ToProblem();
        }

        if (subscriberRefused is not null)
        {
            return subscriberRefused.ToProblem();
        }

        var blockers = new List<Blocker>();
        blockers.AddRange(IdentityBlockers(identity));
        blockers.AddRange(SubscriberBlockers(subscriberPart));
        return TypedResults.Ok(new ReadinessAnswer(blockers.Count == 0, identity, subscriberPart, blockers));
    }

    /// <summary>One check's part of the answer, or its refusal; an upstream or store failure makes the part unavailable.</summary>
    private static async Task<(ReadinessPart<T> Part, TError? Refused)> PartAsync<T, TError>(Func<Task<Result<T, TError>>> check)
        where T : notnull
        where TError : class
    {
        try
        {
            var result = await check();
            return result.Succeeded
                ? (new ReadinessPart<T>(PartStatus.Ok, result.Value, null), null)
                : (new ReadinessPart<T>(PartStatus.Unavailable, default, null), result.Error);
        }
        catch (GatewayProblemException ex) when (ex.Status >= 500)
        {
            return (new ReadinessPart<T>(PartStatus.Unavailable, default, new PartError(ex.Code, ex.Detail ?? ex.Title, ex.Remediation)), null);
        }
    }

    private static IEnumerable<Blocker> IdentityBlockers(ReadinessPart<CitizenVerification> part)
    {
        if (part.Status == PartStatus.Unavailable)
        {
            yield return new Blocker("identity_unavailable", "identity",
                "Chưa kiểm tra được thông tin công dân vì hệ thống Cơ sở dữ liệu quốc gia về dân cư đang gián đoạn. Vui lòng thử lại sau ít phút.");
            yield break;
        }

        var result = part.Result!;
        switch (result.Result)
        {
            case CitizenMatch.NotFound:
                yield return new Blocker("citizen_not_found", "identity",
                    "Không tìm thấy số định danh cá nhân trong Cơ sở dữ liệu quốc gia về dân cư. Đề nghị kiểm tra lại số CCCD; nếu số đúng, công dân liên hệ Công an cấp xã nơi cư trú để được kiểm tra, cập nhật.");
                break;
            case CitizenMatch.Mismatch:
                yield return new Blocker("identity_mismatch", "identity",
                    "Họ tên hoặc ngày sinh không khớp với Cơ sở dữ liệu quốc gia về dân cư. Đề nghị đối chiếu lại với CCCD của công dân; nếu dữ liệu dân cư bị sai, công dân liên hệ Công an cấp xã nơi cư trú để điều chỉnh.",
                    result.MismatchedFields);
                break;
            case CitizenMatch.Match when result.IdentityLevel is 1:
                yield return new Blocker("identity_level_1", "identity",
                    "Tài khoản định danh điện tử của công dân mới ở mức 1. Đề nghị công dân mang CCCD gắn chip đến Công an cấp xã hoặc điểm tiếp nhận để đăng ký định danh điện tử mức 2.");
                break;
        }
    }

    private static IEnumerable<Blocker> SubscriberBlockers(ReadinessPart<SubscriberCheckResult> part)
    {
        if (part.Status == PartStatus.Unavailable)
        {
            yield return new Blocker("telco_unavailable", "subscriber",
                part.Error?.Remediation ?? "Chưa kiểm tra được thông tin thuê bao vì hệ thống của nhà mạng đang gián đoạn. Vui lòng thử lại sau ít phút.");
            yield break;
        }

        var result = part.Result!;
        var code = result.Ownership switch
        {
            SubscriberOwnership.NotOwner => "phone_not_owner",
            SubscriberOwnership.Unregistered => "phone_unregistered",
            SubscriberOwnership.Unknown => "phone_ownership_unknown",
            _ => result.Status == SubscriberStatus.Suspended ? "phone_suspended" : null,
        };
        if (code is not null)
        {
            yield return new Blocker(code, "subscriber", result.Remediation ?? "Đề nghị công dân kiểm tra lại thông tin thuê bao tại cửa hàng của nhà mạng.");
        }
    }

    /// <summary>The desk's question: the citizen as on their CCCD, and the phone number they want on their e-ID account.</summary>
    internal sealed record ReadinessRequest(string? IdNumber, string? FullName, string? DateOfBirth, string? PhoneNumber, string? Purpose);

    internal enum PartStatus
    {
        Ok,
        Unavailable,
    }

    internal sealed record PartError(string Code, string Detail, string? Remediation);

    /// <summary>One check's outcome: its result, or why it could not be made.</summary>
    internal sealed record ReadinessPart<T>(PartStatus Status, T? Result, PartError? Error);

    /// <summary>What stops the citizen now, with what the desk officer should tell them.</summary>
    internal sealed record Blocker(string Code, string Part, string Remediation, IReadOnlyList<CitizenField>? Fields = null);

    internal sealed record ReadinessAnswer(
        bool Ready,
        ReadinessPart<CitizenVerification> Identity,
        ReadinessPart<SubscriberCheckResult> Subscriber,
        IReadOnlyList<Blocker> Blockers);
}
