using Integration.Connectors.Payment.Vnpay;

namespace Integration.Connectors.Payment.Tests;

public sealed class VnpaySignerTests
{
    // The canonical query and its HMAC-SHA512 were computed outside .NET:
    // printf '%s' "$query" | openssl dgst -sha512 -hmac DEVVNPAYHASHSECRETNOTFORPRODUCTION
    private const string ExpectedQuery =
        "vnp_Amount=1806000&vnp_Command=pay&vnp_CreateDate=20261125100000&vnp_CurrCode=VND&vnp_ExpireDate=20261125101500" +
        "&vnp_IpAddr=127.0.0.1&vnp_Locale=vn&vnp_OrderInfo=Thanh+toan+le+phi+ho+so+H99.01%2F2026&vnp_OrderType=other" +
        "&vnp_ReturnUrl=https%3A%2F%2Fone-stop.example.gov.vn%2Fpayments%2Freturn%3Fx%3D1&vnp_TmnCode=DEVTMN01" +
        "&vnp_TxnRef=GW0123456789AB&vnp_Version=2.1.0";

    private const string ExpectedHash =
        "ad4a4a1dcb370cdde86072e0db757955a55c3969d3de0bd983d6cca5bd116ad09d8281cfa07f9031dda5a2bb8460b9b22bde905dd99342cf8663e89e2843cdf6";

    private static Dictionary<string, string?> PayParameters() => new()
    {
        ["vnp_Version"] = "2.1.0",
        ["vnp_TxnRef"] = "GW0123456789AB",
        ["vnp_Command"] = "pay",
        ["vnp_TmnCode"] = "DEVTMN01",
        ["vnp_Amount"] = "1806000",
        ["vnp_CreateDate"] = "20261125100000",
        ["vnp_ExpireDate"] = "20261125101500",
        ["vnp_CurrCode"] = "VND",
        ["vnp_IpAddr"] = "127.0.0.1",
        ["vnp_Locale"] = "vn",
        ["vnp_OrderInfo"] = "Thanh toan le phi ho so H99.01/2026",
        ["vnp_OrderType"] = "other",
        ["vnp_ReturnUrl"] = "https://one-stop.example.gov.vn/payments/return?x=1",
        ["vnp_BankCode"] = "",
    };

    [Fact]
    public void SignedUrl_KnownParameters_MatchesHashComputedWithOpenssl()
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);

        var url = signer.SignedUrl("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", PayParameters());

        Assert.Equal($"https://sandbox.vnpayment.vn/paymentv2/vpcpay.html?{ExpectedQuery}&vnp_SecureHash={ExpectedHash}", url);
    }

    [Fact]
    public void SignedUrl_AnyParameters_HashEqualsIndependentComputation()
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);
        var parameters = PayParameters();
        parameters["vnp_OrderInfo"] = "Phi ~ tham dinh (lan 2) * 100% 'A' & B=C";

        var url = signer.SignedUrl("http://127.0.0.1:9090/vnpay/paymentv2/vpcpay.html", parameters);

        var query = PaymentTestKit.CanonicalQuery(parameters.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, p.Value!)));
        Assert.EndsWith("?" + query + "&vnp_SecureHash=" + PaymentTestKit.HmacSha512Hex(query), url);
        Assert.DoesNotContain("vnp_BankCode", url);
    }

    [Fact]
    public void Verify_SignedParameters_True()
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);
        var query = Parse(PaymentTestKit.IpnQuery("GW0123456789AB", 180_000));

        Assert.True(signer.Verify(query));
    }

    [Fact]
    public void Verify_UpperCaseHash_True()
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);
        var query = Parse(PaymentTestKit.IpnQuery("GW0123456789AB", 180_000, alterHash: h => h.ToUpperInvariant()));

        Assert.True(signer.Verify(query));
    }

    [Theory]
    [InlineData("vnp_Amount", "1")]
    [InlineData("vnp_ResponseCode", "24")]
    [InlineData("vnp_TxnRef", "GW0123456789AC")]
    [InlineData("vnp_Extra", "added")]
    public void Verify_TamperedParameter_False(string name, string value)
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);
        var query = Parse(PaymentTestKit.IpnQuery("GW0123456789AB", 180_000, afterSigning: p => p[name] = value));

        Assert.False(signer.Verify(query));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz")]
    public void Verify_MissingOrMalformedHash_False(string hash)
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);
        var query = Parse(PaymentTestKit.IpnQuery("GW0123456789AB", 180_000, alterHash: _ => hash));

        Assert.False(signer.Verify(query));
    }

    [Fact]
    public void Verify_OtherSecret_False()
    {
        var signer = new VnpaySigner("ANOTHERSECRET");

        Assert.False(signer.Verify(Parse(PaymentTestKit.IpnQuery("GW0123456789AB", 180_000))));
    }

    [Fact]
    public void Sign_QuerydrRequestData_MatchesHashComputedWithOpenssl()
    {
        var signer = new VnpaySigner(PaymentTestKit.VnpaySecret);

        var hash = signer.Sign("REQ0001|2.1.0|querydr|DEVTMN01|GW0123456789AB|20261125100000|20261125103000|127.0.0.1|Truy van giao dich GW0123456789AB");

        Assert.Equal(
            "f50d8b2abf451ac444ae6372ce49ca37a4327fb95c28ac760e39db738bfa876de1096f66cdc3fdf1696c2a35a72287a6a4b6dd969307e1dfe8fbc564bc3d6119",
            hash);
    }

    /// <summary>As ASP.NET Core hands a query to the endpoint: decoded, '+' as a space.</summary>
    private static Dictionary<string, string?> Parse(string query) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query).ToDictionary(p => p.Key, p => (string?)p.Value.ToString(), StringComparer.Ordinal);
}
