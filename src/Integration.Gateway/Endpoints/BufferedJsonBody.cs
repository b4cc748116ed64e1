using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// Binds a JSON request body the way the framework's body binding does, with the same outcomes (none for an empty
/// body, 415 for another media type, 400 with the JSON error for a malformed one, 413 past the size limit), but reads
/// it whole first and then deserializes it in one synchronous call. A lookup's body is a few hundred bytes and nearly
/// always arrives with the headers, so the framework's streaming deserializer (resumable state, a buffer rented and
/// returned, several asynchronous calls) cost more than the parsing itself on the busiest routes.
/// A type opts in with <c>static ValueTask&lt;T?&gt; BindAsync(HttpContext context) => BufferedJsonBody.ReadAsync&lt;T&gt;(context);</c>
/// and its route with <c>.Accepts&lt;T&gt;("application/json")</c>, which the framework would otherwise describe.
/// </summary>
internal static class BufferedJsonBody
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static async ValueTask<T?> ReadAsync<T>(HttpContext context)
        where T : class
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true)
        {
            return null;
        }

        var request = context.Request;
        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException($"Expected a supported JSON media type but got \"{request.ContentType}\".", StatusCodes.Status415UnsupportedMediaType);
        }

        var body = request.BodyReader;
        ReadResult read;
        try
        {
            // Bounded by the request size limit (Kestrel refuses the body past it with 413).
            while (!(read = await body.ReadAsync(context.RequestAborted)).IsCompleted)
            {
                body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            // The client went away mid-body (a too-large body is already a BadHttpRequestException, 413).
            throw new BadHttpRequestException("The request body could not be read.", StatusCodes.Status400BadRequest, ex);
        }

        try
        {
            var typeInfo = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions.GetTypeInfo(typeof(T));
            var json = read.Buffer.IsSingleSegment ? read.Buffer.FirstSpan : read.Buffer.ToArray();
            if (json.StartsWith(Utf8Bom))
            {
                json = json[Utf8Bom.Length..];
            }

            return (T?)JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException ex)
        {
            throw new BadHttpRequestException($"Failed to read the request body as JSON ({typeof(T).Name}).", StatusCodes.Status400BadRequest, ex);
        }
        finally
        {
            body.AdvanceTo(read.Buffer.End);
        }
    }
}
