using Integration.Connectors.Telco;
using Integration.Core.Hosting;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/telco</c>.</summary>
internal static class TelcoEndpoints
{
    public const string PurposeHeader = "X-Purpose";
    public const int MaxPurposeLength = 200;

    public static IEndpointRouteBuilder MapTelcoEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/telco")
            .WithTags("Telco")
            .RequireAuthorization(Scopes.Telco)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);

        group.MapPost("/subscriber-checks", CheckSubscriberAsync)
            .WithName("CheckSubscriber")
            .WithSummary("Is this phone number registered in this citizen's name?")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);
        return app;
    }

    internal static async Task<Ok<SubscriberCheckResult>> CheckSubscriberAsync(
        SubscriberCheckRequest? body,
        [FromHeader(Name = PurposeHeader)] string? purposeHeader,
        ISubscriberOwnershipChecker checker,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (phone, idNumber, purpose) = Validate(body, purposeHeader, VietnamTime.Today(time));
        return TypedResults.Ok(await checker.CheckAsync(phone, idNumber, purpose, cancellationToken));
    }

    /// <summary>Every field is checked before any upstream is called; all errors are reported at once.</summary>
    internal static (PhoneNumber Phone, CitizenIdNumber IdNumber, string Purpose) Validate(SubscriberCheckRequest? body, string? purposeHeader, DateOnly today)
    {
        var errors = new List<FieldError>();

        PhoneNumber? phone = null;
        if (body?.PhoneNumber is null)
        {
            errors.Add(new FieldError("phoneNumber", ProblemCodes.MissingField, "phoneNumber is required."));
        }
        else if (!PhoneNumber.TryParse(body.PhoneNumber, out phone))
        {
            errors.Add(new FieldError("phoneNumber", ProblemCodes.InvalidPhoneNumber,
                "phoneNumber must be a Vietnamese mobile number: 0 and 9 digits, 84 and 9 digits, or +84 and 9 digits (spaces, dots and dashes allowed); the retired 11-digit numbers are not accepted."));
        }

        CitizenIdNumber? idNumber = null;
        if (body?.IdNumber is null)
        {
            errors.Add(new FieldError("idNumber", ProblemCodes.MissingField, "idNumber is required."));
        }
        else if (!CitizenIdNumber.TryParse(body.IdNumber, today, null, out idNumber, out var code))
        {
            errors.Add(new FieldError("idNumber", code, "idNumber must be a 12-digit CCCD (whose birth year is not in the future) or a 9-digit CMND."));
        }

        var purpose = string.IsNullOrWhiteSpace(purposeHeader) ? body?.Purpose?.Trim() : purposeHeader.Trim();
        if (string.IsNullOrEmpty(purpose))
        {
            errors.Add(new FieldError("purpose", ProblemCodes.MissingPurpose, $"The purpose of the lookup is required, in the {PurposeHeader} header or the purpose field."));
        }
        else if (purpose.Length > MaxPurposeLength)
        {
            errors.Add(new FieldError("purpose", ProblemCodes.InvalidField, $"purpose must be at most {MaxPurposeLength} characters."));
        }

        if (errors.Count > 0)
        {
            throw GatewayProblemException.Validation(errors);
        }

        return (phone!, idNumber!, purpose!);
    }
}

/// <summary>A subscriber check: the number as the citizen gave it, their CCCD or CMND, and why it is looked up (or header <c>X-Purpose</c>).</summary>
internal sealed record SubscriberCheckRequest(string? PhoneNumber, string? IdNumber, string? Purpose);
