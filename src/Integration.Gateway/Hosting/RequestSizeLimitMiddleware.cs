using Integration.Core.Problems;
using Integration.Gateway.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Hosting;

/// <summary>
/// Refuses bodies over <c>Gateway:MaxRequestBodyBytes</c> with 413 before they are read: at once when
/// Content-Length says so, and while reading for chunked bodies (Kestrel's limit where the server
/// offers one, a counting stream otherwise, e.g. under the test server).
/// </summary>
internal sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<GatewayOptions> options)
{
    private readonly long _limit = options.Value.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _limit)
        {
            throw new GatewayProblemException(413, ProblemCodes.PayloadTooLarge, "The request body is too large.",
                $"The body may be at most {_limit} bytes.");
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = _limit;
        }
        else
        {
            context.Request.Body = new LimitedStream(context.Request.Body, _limit);
        }

        return next(context);
    }

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        private int Count(int n)
        {
            _read += n;
            if (_read > limit)
            {
                throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
