using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Integration.Testing.Servers;

/// <summary>An error reply from Redis (<c>-ERR ...</c>).</summary>
public sealed class RedisErrorReplyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RedisErrorReplyException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// A minimal RESP2 client over a raw TCP socket, so the fixtures need no Redis client library. Replies map to:
/// simple string → <see cref="string"/>, integer → <see cref="long"/>, bulk string → <see cref="byte"/>[] (null when
/// nil), array → <see cref="object"/>?[] (null when nil); an error reply throws <see cref="RedisErrorReplyException"/>.
/// </summary>
internal static class Resp
{
    public static async Task<IReadOnlyList<object?>> ExecuteAsync(
        string host, int port, IReadOnlyList<IReadOnlyList<string>> commands, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var token = timeoutSource.Token;
        using var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, token).ConfigureAwait(false);
            await using var stream = client.GetStream();
            await stream.WriteAsync(Encode(commands), token).ConfigureAwait(false);
            var reader = new ReplyReader(stream);
            var replies = new List<object?>(commands.Count);
            RedisErrorReplyException? firstError = null;
            foreach (var _ in commands)
            {
                try
                {
                    replies.Add(await reader.ReadAsync(token).ConfigureAwait(false));
                }
                catch (RedisErrorReplyException ex)
                {
                    // Keep reading so every reply is consumed; report the first error.
                    firstError ??= ex;
                    replies.Add(null);
                }
            }

            return firstError is null ? replies : throw firstError;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Redis at {host}:{port} did not answer within {timeout.TotalSeconds:0} s.");
        }
    }

    private static byte[] Encode(IReadOnlyList<IReadOnlyList<string>> commands)
    {
        var buffer = new MemoryStream();
        foreach (var command in commands)
        {
            Write(buffer, $"*{command.Count.ToString(CultureInfo.InvariantCulture)}\r\n");
            foreach (var argument in command)
            {
                var bytes = Encoding.UTF8.GetBytes(argument);
                Write(buffer, $"${bytes.Length.ToString(CultureInfo.InvariantCulture)}\r\n");
                buffer.Write(bytes);
                Write(buffer, "\r\n");
            }
        }

        return buffer.ToArray();
    }

    private static void Write(MemoryStream buffer, string text) => buffer.Write(Encoding.ASCII.GetBytes(text));

    private sealed class ReplyReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public async Task<object?> ReadAsync(CancellationToken token)
        {
            var line = await ReadLineAsync(token).ConfigureAwait(false);
            if (line.Length == 0)
            {
                throw new InvalidDataException("Empty RESP reply line.");
            }

            var payload = line[1..];
            switch (line[0])
            {
                case '+':
                    return payload;
                case '-':
                    throw new RedisErrorReplyException(payload);
                case ':':
                    return long.Parse(payload, CultureInfo.InvariantCulture);
                case '$':
                {
                    var length = int.Parse(payload, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }

                    var data = await ReadExactAsync(length, token).ConfigureAwait(false);
                    await ReadExactAsync(2, token).ConfigureAwait(false); // CRLF
                    return data;
                }

                case '*':
                {
                    var count = int.Parse(payload, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return null;
                    }

                    var items = new object?[count];
                    for (var i = 0; i < count; i++)
                    {
                        items[i] = await ReadAsync(token).ConfigureAwait(false);
                    }

                    return items;
                }

                default:
                    throw new InvalidDataException($"Unexpected RESP reply type '{line[0]}'.");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken token)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end)
                {
                    await FillAsync(token).ConfigureAwait(false);
                }

                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline < 0)
                {
                    line.Write(_buffer, _start, _end - _start);
                    _start = _end;
                    continue;
                }

                line.Write(_buffer, _start, newline - _start);
                _start = newline + 1;
                var bytes = line.ToArray();
                var length = bytes.Length > 0 && bytes[^1] == (byte)'\r' ? bytes.Length - 1 : bytes.Length;
                return Encoding.UTF8.GetString(bytes, 0, length);
            }
        }

        private async Task<byte[]> ReadExactAsync(int count, CancellationToken token)
        {
            var result = new byte[count];
            var copied = 0;
            while (copied < count)
            {
                if (_start == _end)
                {
                    await FillAsync(token).ConfigureAwait(false);
                }

                var take = Math.Min(count - copied, _end - _start);
                Buffer.BlockCopy(_buffer, _start, result, copied, take);
                _start += take;
                copied += take;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken token)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, token).ConfigureAwait(false);
            if (_end == 0)
            {
                throw new IOException("Redis closed the connection.");
            }
        }
    }
}
