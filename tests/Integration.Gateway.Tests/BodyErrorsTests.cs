using System.Net;
using System.Text;
using Integration.Testing;

namespace Integration.Gateway.Tests;

/// <summary>Malformed bodies get 400/415 problem details with a field-level list, and never reach an upstream.</summary>
public sealed class BodyErrorsTests : IClassFixture<BodyErrorsTests.Host>, IAsyncLifetime
{
    private readonly GatewayFactory _factory;

    public BodyErrorsTests(Host host) => _factory = host.Factory;

    public sealed class Host : IDisposable
    {
        public GatewayFactory Factory { get; } = new();

        public void Dispose() => Factory.Dispose();
    }

    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public async Task DisposeAsync() => Assert.Empty(await GatewayFactory.WireMock.GetAllRequestsAsync());

    private async Task<HttpResponseMessage> PostAsync(string json, string contentType = "application/json")
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        client.DefaultRequestHeaders.Add("X-Purpose", "test");
        return await client.PostAsync("/api/v1/identity/citizens/verify", new StringContent(json, Encoding.UTF8, contentType));
    }

    [Theory]
    [InlineData("{\"idNumber\": \"001085012345\", ")]
    [InlineData("not json at all")]
    [InlineData("{\"idNumber\": '001085012345'}")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"idNumber\": \"001085012345\"} {}")]
    public async Task Post_MalformedJson_Is400MalformedJson(string json)
    {
        using var response = await PostAsync(json);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, json == "[1,2,3]" ? "invalid_field_type" : "malformed_json");
        Assert.True(problem.GetProperty("errors").GetArrayLength() > 0);
    }

    [Fact]
    public async Task Post_WrongFieldType_Is400NamingTheField()
    {
        using var response = await PostAsync("{\"idNumber\": 1085012345, \"fullName\": \"An\", \"dateOfBirth\": \"1985-03-15\"}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_field_type");
        Assert.Equal("idNumber", problem.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task Post_MissingFields_Is400ListingEach()
    {
        using var response = await PostAsync("{}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("field").GetString(), e.GetProperty("code").GetString())).ToList();
        Assert.Contains(("idNumber", "missing_field"), fields);
        Assert.Contains(("fullName", "missing_field"), fields);
        Assert.Contains(("dateOfBirth", "missing_field"), fields);
    }

    [Fact]
    public async Task Post_EmptyBody_Is400()
    {
        using var response = await PostAsync("");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Post_NotJsonContentType_Is415()
    {
        using var response = await PostAsync("idNumber=001085012345", "application/x-www-form-urlencoded");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Post_InvalidUtf8_Is400()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        client.DefaultRequestHeaders.Add("X-Purpose", "test");
        var bytes = Encoding.UTF8.GetBytes("{\"idNumber\": \"001085012345\", \"fullName\": \"X\", \"dateOfBirth\": \"1985-03-15\"}");
        bytes[16] = 0xFF;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/api/v1/identity/citizens/verify", content);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task Post_BodyWithByteOrderMark_IsReadLikeAnyOther()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        client.DefaultRequestHeaders.Add("X-Purpose", "test");
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"fullName\": \"Nguyễn Văn An\"}")]);
        content.Headers.ContentType = new("application/json");

        using var response = await client.PostAsync("/api/v1/identity/citizens/verify", content);

        // Parsed: the answer is about the missing fields, not about the body.
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("idNumber", fields);
        Assert.DoesNotContain("fullName", fields);
    }

    [Fact]
    public async Task Post_BodySentInPieces_IsReadWhole()
    {
        using var client = _factory.CreateClient(GatewayFactory.DeskKey);
        client.DefaultRequestHeaders.Add("X-Purpose", "test");
        using var content = new PiecesContent("{\"idNumber\": \"0010850", "12345\", \"fullName\": \"Nguyễn ", "Văn An\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/identity/citizens/verify") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        // Only the field the body lacks is named (one error: its code is the answer's).
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "missing_field");
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Equal(["dateOfBirth"], fields);
    }

    /// <summary>A JSON body written in several flushed pieces (as a slow commune link delivers it).</summary>
    private sealed class PiecesContent : HttpContent
    {
        private readonly string[] _pieces;

        public PiecesContent(params string[] pieces)
        {
            _pieces = pieces;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            foreach (var piece in _pieces)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(piece));
                await stream.FlushAsync();
                await Task.Yield();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
