using System.Net;
using Microsoft.Extensions.Options;
using Quartz;

namespace Integration.Connectors.Payment;

/// <summary>Stops the host at start when a payment setting is wrong, naming the key.</summary>
internal sealed class PaymentOptionsValidator : IValidateOptions<PaymentOptions>
{
    private const string Prefix = "Connectors:Payment:";

    public ValidateOptionsResult Validate(string? name, PaymentOptions options)
    {
        var errors = new List<string>();
        var v = options.Vnpay;
        AbsoluteHttpUrl(errors, "Vnpay:PayUrl", v.PayUrl);
        AbsoluteHttpUrl(errors, "Vnpay:ApiUrl", v.ApiUrl);
        if (v.TmnCode.Length != 8 || !v.TmnCode.All(char.IsAsciiLetterOrDigit))
        {
            errors.Add($"{Prefix}Vnpay:TmnCode must be the 8-character terminal code VNPAY issued.");
        }

        if (string.IsNullOrWhiteSpace(v.HashSecret))
        {
            errors.Add($"{Prefix}Vnpay:HashSecret is required.");
        }

        if (v.Locale is not ("vn" or "en"))
        {
            errors.Add($"{Prefix}Vnpay:Locale must be 'vn' or 'en'.");
        }

        if (string.IsNullOrWhiteSpace(v.OrderType))
        {
            errors.Add($"{Prefix}Vnpay:OrderType is required.");
        }

        Duration(errors, "Vnpay:PaymentTimeout", v.PaymentTimeout, TimeSpan.FromMinutes(1), TimeSpan.FromDays(1));
        if (!IPAddress.TryParse(v.ServerIpAddress, out _))
        {
            errors.Add($"{Prefix}Vnpay:ServerIpAddress must be an IP address.");
        }

        var q = options.VietQr;
        if (q.BankBin.Length != 6 || !q.BankBin.All(char.IsAsciiDigit))
        {
            errors.Add($"{Prefix}VietQr:BankBin must be the bank's 6-digit NAPAS BIN.");
        }

        if (q.AccountNumber.Length is < 1 or > 19 || !q.AccountNumber.All(char.IsAsciiDigit))
        {
            errors.Add($"{Prefix}VietQr:AccountNumber must be 1 to 19 digits.");
        }

        if (string.IsNullOrWhiteSpace(q.AccountName))
        {
            errors.Add($"{Prefix}VietQr:AccountName is required.");
        }

        Duration(errors, "VietQr:PaymentTimeout", q.PaymentTimeout, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));

        if (string.IsNullOrWhiteSpace(options.BankNotices.Secret))
        {
            errors.Add($"{Prefix}BankNotices:Secret is required.");
        }

        Duration(errors, "BankNotices:Tolerance", options.BankNotices.Tolerance, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15));

        var r = options.Reconciliation;
        if (!CronExpression.TryParse(r.Schedule, out _))
        {
            errors.Add($"{Prefix}Reconciliation:Schedule '{r.Schedule}' is not a Quartz cron expression.");
        }

        Duration(errors, "Reconciliation:PendingAge", r.PendingAge, TimeSpan.Zero, TimeSpan.FromDays(1));
        if (r.BatchSize is < 1 or > 10_000)
        {
            errors.Add($"{Prefix}Reconciliation:BatchSize ({r.BatchSize}) must be between 1 and 10000.");
        }

        var i = options.Idempotency;
        if (i.Retention < TimeSpan.FromHours(24))
        {
            errors.Add($"{Prefix}Idempotency:Retention ({i.Retention}) must be at least 24 hours: callers may retry for that long.");
        }

        Duration(errors, "Idempotency:InFlightLease", i.InFlightLease, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

        if (options.MaxAmount is < 1 or > 9_999_999_999)
        {
            errors.Add($"{Prefix}MaxAmount ({options.MaxAmount}) must be between 1 and 9999999999 VND.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void AbsoluteHttpUrl(List<string> errors, string key, string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{Prefix}{key} must be an absolute http(s) URL.");
        }
    }

    private static void Duration(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{Prefix}{key} ({value}) must be between {min} and {max}.");
        }
    }
}
