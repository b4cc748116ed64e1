using System.Net;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Payment;

/// <summary>A creation request that passed every check, normalised.</summary>
internal sealed record ValidPaymentRequest(
    string DossierCode,
    string FeeCode,
    long Amount,
    string Description,
    string Method,
    string? ReturnUrl,
    string? PayerName,
    string? PayerPhone,
    string? PayerEmail,
    string? PayerIpAddress);

/// <summary>Checks <c>POST /api/v1/payments</c> before anything is claimed or stored; reports every bad field at once.</summary>
internal static class PaymentRequestValidator
{
    /// <summary>VNPAY refuses amounts under 5,000 VND (its payment page: "Số tiền hợp lệ từ 5,000").</summary>
    public const long VnpayMinimumAmount = 5_000;

    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>Null when <paramref name="key"/> can be an <c>Idempotency-Key</c>.</summary>
    public static PaymentError? CheckKey(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return new PaymentError.IdempotencyKeyMissing();
        }

        if (key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            return new PaymentError.Invalid([new FieldError("Idempotency-Key", PaymentProblemCodes.InvalidIdempotencyKey,
                $"The Idempotency-Key must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters without spaces.")]);
        }

        return null;
    }

    public static Result<ValidPaymentRequest, PaymentError> Validate(CreatePaymentRequest? request, long maxAmount)
    {
        if (request is null)
        {
            return new PaymentError.Invalid([new FieldError("body", ProblemCodes.MissingField, "The request body is required.")]);
        }

        var errors = new List<FieldError>();
        var dossier = Code(errors, "dossierCode", request.DossierCode);
        var fee = Code(errors, "feeCode", request.FeeCode);

        var method = request.Method;
        if (string.IsNullOrEmpty(method))
        {
            errors.Add(new FieldError("method", ProblemCodes.MissingField, "method is required: 'vnpay' or 'vietqr'."));
        }
        else if (method is not (PaymentMethods.Vnpay or PaymentMethods.VietQr))
        {
            errors.Add(new FieldError("method", PaymentProblemCodes.InvalidPaymentMethod, "method must be 'vnpay' or 'vietqr'."));
        }

        var minimum = method == PaymentMethods.Vnpay ? VnpayMinimumAmount : 1;
        if (request.Amount is null)
        {
            errors.Add(new FieldError("amount", ProblemCodes.MissingField, "amount is required (whole VND)."));
        }
        else if (request.Amount < minimum || request.Amount > maxAmount)
        {
            errors.Add(new FieldError("amount", PaymentProblemCodes.InvalidAmount,
                $"amount must be whole VND between {minimum} and {maxAmount}."));
        }

        var description = request.Description?.Trim();
        if (string.IsNullOrEmpty(description))
        {
            errors.Add(new FieldError("description", ProblemCodes.MissingField, "description is required."));
        }
        else if (description.Length > 255 || description.Any(char.IsControl))
        {
            errors.Add(new FieldError("description", ProblemCodes.InvalidField, "description must be at most 255 characters, without control characters."));
        }

        string? returnUrl = null;
        if (string.IsNullOrWhiteSpace(request.ReturnUrl))
        {
            if (method == PaymentMethods.Vnpay)
            {
                errors.Add(new FieldError("returnUrl", ProblemCodes.MissingField, "returnUrl is required for vnpay: VNPAY sends the payer back there."));
            }
        }
        else if (request.ReturnUrl.Length > 1000
                 || !Uri.TryCreate(request.ReturnUrl, UriKind.Absolute, out var uri)
                 || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
                 || !string.IsNullOrEmpty(uri.Fragment))
        {
            errors.Add(new FieldError("returnUrl", PaymentProblemCodes.InvalidReturnUrl, "returnUrl must be an absolute http(s) URL without a fragment, at most 1000 characters."));
        }
        else
        {
            returnUrl = request.ReturnUrl;
        }

        string? name = null, phone = null, email = null, ip = null;
        if (request.Payer is { } payer)
        {
            name = payer.Name?.Trim();
            if (name is { Length: 0 })
            {
                name = null;
            }
            else if (name is not null && (name.Length > 100 || name.Any(char.IsControl)))
            {
                errors.Add(new FieldError("payer.name", ProblemCodes.InvalidField, "payer.name must be at most 100 characters, without control characters."));
            }

            if (!string.IsNullOrWhiteSpace(payer.Phone))
            {
                if (PhoneNumber.TryParse(payer.Phone, out var parsed))
                {
                    phone = parsed.E164;
                }
                else
                {
                    errors.Add(new FieldError("payer.phone", ProblemCodes.InvalidPhoneNumber, "payer.phone is not a Vietnamese mobile number."));
                }
            }

            if (!string.IsNullOrWhiteSpace(payer.Email))
            {
                email = payer.Email.Trim();
                var at = email.IndexOf('@', StringComparison.Ordinal);
                if (email.Length > 254 || at < 1 || at != email.LastIndexOf('@') || at == email.Length - 1 || email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                {
                    errors.Add(new FieldError("payer.email", ProblemCodes.InvalidField, "payer.email is not an e-mail address."));
                }
            }

            if (!string.IsNullOrWhiteSpace(payer.IpAddress))
            {
                if (IPAddress.TryParse(payer.IpAddress, out var address))
                {
                    ip = address.ToString();
                }
                else
                {
                    errors.Add(new FieldError("payer.ipAddress", ProblemCodes.InvalidField, "payer.ipAddress is not an IP address."));
                }
            }
        }

        if (errors.Count > 0)
        {
            return new PaymentError.Invalid(errors);
        }

        return new ValidPaymentRequest(dossier!, fee!, request.Amount!.Value, description!, method!, returnUrl, name, phone, email, ip);
    }

    private static string? Code(List<FieldError> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(field, ProblemCodes.MissingField, $"{field} is required."));
            return null;
        }

        if (value.Length > 64 || !char.IsAsciiLetterOrDigit(value[0]) || value.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_' or '/')))
        {
            errors.Add(new FieldError(field, ProblemCodes.InvalidField, $"{field} must be at most 64 letters, digits or . - _ /, starting with a letter or digit."));
            return null;
        }

        return value;
    }
}
