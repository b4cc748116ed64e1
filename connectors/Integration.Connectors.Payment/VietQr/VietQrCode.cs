using System.Globalization;
using System.Text;

namespace Integration.Connectors.Payment.VietQr;

/// <summary>
/// A NAPAS VietQR code (EMVCo merchant-presented QR, NAPAS "QR Format T&amp;C" v1.5.2; docs/domain.md, "VietQR"):
/// 00 format, 01 initiation (11 static, 12 dynamic), 38 merchant account (00 GUID <c>A000000727</c>,
/// 01 beneficiary: 00 BIN, 01 account or card; 02 service), 53 currency <c>704</c>, 54 amount,
/// 58 <c>VN</c>, 62 additional data (01 bill number, 08 purpose), 63 CRC-16/CCITT-FALSE.
/// </summary>
internal sealed record VietQrCode(bool Dynamic, string BankBin, string AccountOrCard, bool ToCard, long? Amount, string? BillNumber, string? Purpose)
{
    public const string NapasGuid = "A000000727";
    public const string ToAccountService = "QRIBFTTA";
    public const string ToCardService = "QRIBFTTC";

    /// <summary>Most characters of an additional-data sub-field (62.xx).</summary>
    public const int MaxAdditionalLength = 25;

    /// <summary>A dynamic code to an account, carrying the amount and the payment reference as purpose.</summary>
    public static VietQrCode ForPayment(string bankBin, string accountNumber, long amount, string purpose) =>
        new(Dynamic: true, bankBin, accountNumber, ToCard: false, amount, BillNumber: null, purpose);

    public string Build()
    {
        Check(BankBin.Length == 6 && BankBin.All(char.IsAsciiDigit), "the bank BIN must be 6 digits");
        Check(AccountOrCard.Length is >= 1 and <= 19 && AccountOrCard.All(char.IsAsciiDigit), "the account or card number must be 1 to 19 digits");
        Check(Amount is null or > 0, "the amount must be positive");
        Check(BillNumber is null || IsAdditional(BillNumber), "the bill number must be 1 to 25 printable ASCII characters");
        Check(Purpose is null || IsAdditional(Purpose), "the purpose must be 1 to 25 printable ASCII characters");

        var beneficiary = EmvTlv.Object(("00", BankBin), ("01", AccountOrCard));
        var merchant = EmvTlv.Object(("00", NapasGuid), ("01", beneficiary), ("02", ToCard ? ToCardService : ToAccountService));
        var additional = BillNumber is null && Purpose is null ? null : EmvTlv.Object(("01", BillNumber), ("08", Purpose));
        var body = EmvTlv.Object(
            ("00", "01"),
            ("01", Dynamic ? "12" : "11"),
            ("38", merchant),
            ("53", "704"),
            ("54", Amount?.ToString(CultureInfo.InvariantCulture)),
            ("58", "VN"),
            ("62", additional)) + "6304";
        return body + Crc16CcittFalse.Hex(body);
    }

    /// <summary>Reads a VietQR payload: checks its CRC, its layout and every field this gateway understands.</summary>
    public static bool TryParse(string payload, out VietQrCode? code, out string? error)
    {
        code = null;
        error = Parse(payload, out code);
        return error is null;
    }

    private static string? Parse(string payload, out VietQrCode? code)
    {
        code = null;
        if (payload.Length < 8 || payload.Any(c => c is < ' ' or > '~'))
        {
            return "the payload must be printable ASCII";
        }

        var crcAt = payload.Length - 8;
        if (!payload.AsSpan(crcAt, 4).SequenceEqual("6304"))
        {
            return "the payload must end with field 63 (CRC)";
        }

        var expectedCrc = Crc16CcittFalse.Hex(payload[..(crcAt + 4)]);
        if (!string.Equals(payload[(crcAt + 4)..], expectedCrc, StringComparison.OrdinalIgnoreCase))
        {
            return $"the CRC is {payload[(crcAt + 4)..]}, the content's is {expectedCrc}";
        }

        if (!EmvTlv.TryParse(payload[..crcAt], out var fields))
        {
            return "the TLV layout is broken (a length runs past the end)";
        }

        var top = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            if (!top.TryAdd(f.Id, f.Value))
            {
                return $"field {f.Id} appears twice";
            }
        }

        foreach (var id in top.Keys.Where(id => id is not ("00" or "01" or "38" or "53" or "54" or "58" or "62")))
        {
            return $"field {id} is not supported";
        }

        if (top.GetValueOrDefault("00") != "01")
        {
            return "field 00 (payload format) must be 01";
        }

        var dynamic = top.GetValueOrDefault("01") switch
        {
            "11" => false,
            "12" => (bool?)true,
            _ => null,
        };
        if (dynamic is null)
        {
            return "field 01 (initiation) must be 11 or 12";
        }

        if (top.GetValueOrDefault("53") != "704" || top.GetValueOrDefault("58") != "VN")
        {
            return "fields 53 and 58 must be 704 and VN";
        }

        if (!top.TryGetValue("38", out var merchantText) || !SubFields(merchantText, out var merchant)
            || merchant.GetValueOrDefault("00") != NapasGuid
            || !merchant.TryGetValue("01", out var beneficiaryText) || !SubFields(beneficiaryText, out var beneficiary)
            || !beneficiary.TryGetValue("00", out var bin) || !beneficiary.TryGetValue("01", out var account)
            || merchant.Count != 3 || beneficiary.Count != 2)
        {
            return "field 38 (merchant account) must hold the NAPAS GUID, a beneficiary (BIN, account) and a service";
        }

        var toCard = merchant.GetValueOrDefault("02") switch
        {
            ToCardService => true,
            ToAccountService => (bool?)false,
            _ => null,
        };
        if (toCard is null)
        {
            return "field 38.02 (service) must be QRIBFTTA or QRIBFTTC";
        }

        long? amount = null;
        if (top.TryGetValue("54", out var amountText))
        {
            if (!long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var a) || a <= 0)
            {
                return "field 54 (amount) must be a positive whole number";
            }

            amount = a;
        }

        string? bill = null;
        string? purpose = null;
        if (top.TryGetValue("62", out var additionalText))
        {
            if (!SubFields(additionalText, out var additional) || additional.Keys.Any(k => k is not ("01" or "08")))
            {
                return "field 62 (additional data) may hold only 01 (bill number) and 08 (purpose)";
            }

            bill = additional.GetValueOrDefault("01");
            purpose = additional.GetValueOrDefault("08");
        }

        code = new VietQrCode(dynamic.Value, bin, account, toCard.Value, amount, bill, purpose);
        try
        {
            // Rebuilding checks every value's own rules (digits, lengths) in one place.
            var rebuilt = code.Build();
            if (!string.Equals(rebuilt, payload, StringComparison.OrdinalIgnoreCase))
            {
                code = null;
                return "the payload is not in canonical form (field order, number format)";
            }
        }
        catch (ArgumentException ex)
        {
            code = null;
            return ex.Message;
        }

        return null;
    }

    private static bool SubFields(string text, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!EmvTlv.TryParse(text, out var fields))
        {
            return false;
        }

        foreach (var f in fields)
        {
            if (!values.TryAdd(f.Id, f.Value))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsAdditional(string value) =>
        value.Length is >= 1 and <= MaxAdditionalLength && value.All(c => c is >= ' ' and <= '~');

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid VietQR code: {message}.");
        }
    }
}
