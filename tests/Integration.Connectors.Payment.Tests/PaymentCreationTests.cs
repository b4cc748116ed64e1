using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Integration.Connectors.Payment.VietQr;
using Integration.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace Integration.Connectors.Payment.Tests;

public sealed class PaymentCreationTests
{
    [Fact]
    public async Task Create_Vnpay_SignedPayUrlWithAmountTimes100AndVietnamTimes()
    {
        var time = new FakeTimeProvider(TestClock.Start); // 2026-11-25 03:00 UTC = 10:00 in Vietnam
        using var factory = new GatewayFactory(new GatewayFactoryOptions { Time = time });
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await PaymentTestKit.PostPaymentAsync(client, "k-vnpay-1", PaymentTestKit.VnpayBody(180_000));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var paymentId = body.Str("paymentId")!;
        Assert.Equal("/api/v1/payments/" + paymentId, response.Headers.Location?.ToString());
        Assert.Equal("pending", body.Str("status"));
        Assert.Equal("2026-11-25T10:15:00+07:00", body.Str("expiresAt"));
        Assert.Null(body["qr"]);

        var redirect = new Uri(body.Str("redirectUrl")!);
        Assert.Equal(GatewayFactory.WireMock.BaseUrl + "/vnpay/paymentv2/vpcpay.html", redirect.GetLeftPart(UriPartial.Path));
        var query = QueryHelpers.ParseQuery(redirect.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
        Assert.Equal("18000000", query["vnp_Amount"]);
        Assert.Equal("20261125100000", query["vnp_CreateDate"]);
        Assert.Equal("20261125101500", query["vnp_ExpireDate"]);
        Assert.Equal("Le phi cap giay phep xay dung", query["vnp_OrderInfo"]);
        Assert.Equal(body.Str("reference"), query["vnp_TxnRef"]);
        Assert.Equal("DEVTMN01", query["vnp_TmnCode"]);
        Assert.Equal("2.1.0", query["vnp_Version"]);
        Assert.Equal("pay", query["vnp_Command"]);
        Assert.Equal("VND", query["vnp_CurrCode"]);
        Assert.Equal("https://one-stop.example.gov.vn/payments/return", query["vnp_ReturnUrl"]);

        // The hash, recomputed here from the decoded parameters the way VNPAY does.
        var signed = query.Where(p => p.Key != "vnp_SecureHash").Select(p => KeyValuePair.Create(p.Key, p.Value));
        Assert.Equal(PaymentTestKit.HmacSha512Hex(PaymentTestKit.CanonicalQuery(signed)), query["vnp_SecureHash"]);
    }

    [Fact]
    public async Task Create_TwoPayments_DifferentTxnRefs()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var a = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody());
        var b = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody());

        Assert.NotEqual(a.Str("reference"), b.Str("reference"));
        Assert.NotEqual(a.Str("paymentId"), b.Str("paymentId"));
    }

    [Fact]
    public async Task Create_VietQr_DynamicPayloadForCollectionAccountAndPngImage()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        var body = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));

        Assert.Null(body["redirectUrl"]);
        var payload = body["qr"].Str("payload")!;
        Assert.True(VietQrCode.TryParse(payload, out var code, out var error), error);
        Assert.Equal(new VietQrCode(Dynamic: true, "970403", "0011012345678", ToCard: false, 50_000, BillNumber: null, body.Str("reference")), code);

        var imageUrl = body["qr"].Str("imageUrl")!;
        Assert.Equal($"/api/v1/payments/{body.Str("paymentId")}/qr.png", imageUrl);
        using var image = await client.GetAsync(imageUrl);
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        var png = await image.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(QrPng.Render(payload), png);
    }

    [Fact]
    public async Task GetQrPng_VnpayPayment_NotFoundWithCode()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var body = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody());

        using var response = await client.GetAsync($"/api/v1/payments/{body.Str("paymentId")}/qr.png");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await PaymentTestKit.ProblemAsync(response);
        Assert.Equal("not_vietqr", problem.Str("code"));
        Assert.Equal("This payment has no QR code.", problem.Str("title"));
        Assert.Equal($"/api/v1/payments/{body.Str("paymentId")}/qr.png", problem.Str("instance"));
        Assert.False(string.IsNullOrEmpty(problem.Str("traceId")));
    }

    [Fact]
    public async Task Get_UnknownPayment_NotFound()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await client.GetAsync("/api/v1/payments/0000000000000000");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await PaymentTestKit.ProblemAsync(response)).Str("code"));
    }

    [Theory]
    [InlineData("amount", "0", "invalid_amount")]
    [InlineData("amount", "500000001", "invalid_amount")]
    [InlineData("amount", "4999", "invalid_amount")]
    [InlineData("method", "\"momo\"", "invalid_payment_method")]
    [InlineData("method", "null", "missing_field")]
    [InlineData("returnUrl", "null", "missing_field")]
    [InlineData("returnUrl", "\"javascript:alert(1)\"", "invalid_return_url")]
    [InlineData("returnUrl", "\"/relative/path\"", "invalid_return_url")]
    [InlineData("dossierCode", "\"HS 01; DROP\"", "invalid_field")]
    [InlineData("feeCode", "\"\"", "missing_field")]
    [InlineData("description", "\"   \"", "missing_field")]
    [InlineData("payer", "{\"phone\": \"12345\"}", "invalid_phone_number")]
    [InlineData("payer", "{\"email\": \"not-an-address\"}", "invalid_field")]
    [InlineData("payer", "{\"ipAddress\": \"999.1.1.1\"}", "invalid_field")]
    public async Task Create_InvalidField_400WithCodeAndNothingStored(string field, string json, string code)
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        var body = PaymentTestKit.VnpayBody();
        body[field] = JsonNode.Parse(json);

        using var response = await PaymentTestKit.PostPaymentAsync(client, "k-invalid", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await PaymentTestKit.ProblemAsync(response);
        Assert.Equal(code, problem.Str("code"));
        Assert.Contains(problem["errors"]!.AsArray(), e => e.Str("field")!.StartsWith(field, StringComparison.Ordinal) && e.Str("code") == code);
        Assert.Equal(0, await PaymentTestKit.CountPaymentsAsync(factory));

        // A refused request claims nothing: the same key with a valid body creates the payment.
        using var retry = await PaymentTestKit.PostPaymentAsync(client, "k-invalid", PaymentTestKit.VnpayBody());
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
    }

    [Fact]
    public async Task Create_SeveralInvalidFields_AllReportedAtOnce()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);

        using var response = await PaymentTestKit.PostPaymentAsync(client, "k", new JsonObject { ["method"] = "vietqr" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await PaymentTestKit.ProblemAsync(response);
        Assert.Equal("validation_failed", problem.Str("code"));
        var fields = problem["errors"]!.AsArray().Select(e => e.Str("field")).ToList();
        Assert.Equal(["dossierCode", "feeCode", "amount", "description"], fields);
    }

    [Fact]
    public async Task Create_MalformedJson_400()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient(GatewayFactory.DeskKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments")
        {
            Content = new StringContent("{\"amount\": 10.5,", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", "k");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Create_WithoutPaymentScope_403AndWithoutKey_401()
    {
        using var factory = new GatewayFactory();
        using var identityOnly = factory.CreateClient(GatewayFactory.IdentityOnlyKey);
        using var anonymous = factory.CreateClient((string?)null);

        using var forbidden = await PaymentTestKit.PostPaymentAsync(identityOnly, "k", PaymentTestKit.VnpayBody());
        using var unauthenticated = await PaymentTestKit.PostPaymentAsync(anonymous, "k", PaymentTestKit.VnpayBody());

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(0, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Fact]
    public async Task Start_InvalidTmnCode_HostStopsNamingTheKey()
    {
        using var factory = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = { ["Connectors:Payment:Vnpay:TmnCode"] = "BAD", ["Connectors:Payment:Idempotency:Retention"] = "01:00:00" },
        });

        var ex = Assert.ThrowsAny<Exception>(() => factory.CreateClient(GatewayFactory.DeskKey));

        Assert.Contains("Connectors:Payment:Vnpay:TmnCode", ex.ToString());
        Assert.Contains("Connectors:Payment:Idempotency:Retention", ex.ToString());
    }

    [Fact]
    public async Task OpenApi_Document_DescribesThePaymentRoutes()
    {
        using var factory = new GatewayFactory();
        using var client = factory.CreateClient((string?)null);

        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!["paths"]!.AsObject();

        Assert.Contains("/api/v1/payments", document.Select(p => p.Key));
        Assert.Contains("/api/v1/payments/{id}/qr.png", document.Select(p => p.Key));
        Assert.Contains("/api/v1/payments/callbacks/bank-transfer", document.Select(p => p.Key));
    }
}
