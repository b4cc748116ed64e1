using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// A 200 JSON answer sent in one piece with its <c>Content-Length</c>, for the busiest route (the citizen check). It
/// is the same JSON as <c>TypedResults.Ok</c> (the host's JSON options, <c>application/json; charset=utf-8</c>) and the
/// same OpenAPI description, but serialized in one synchronous call and left in the response's buffer, which the server
/// sends with the headers when the request ends. <c>TypedResults.Ok</c> serializes asynchronously into the response
/// stream and flushes it, so the answer goes out chunked, its end marker written separately.
/// </summary>
internal sealed class JsonAnswer<T>(T value) : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<T>, IEndpointMetadataProvider
{
    private const string ContentType = "application/json; charset=utf-8";

    public T Value => value;

    object? IValueHttpResult.Value => value;

    public int StatusCode => StatusCodes.Status200OK;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var body = JsonSerializer.SerializeToUtf8Bytes(value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        response.BodyWriter.Write<byte>(body);
        return Task.CompletedTask;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
