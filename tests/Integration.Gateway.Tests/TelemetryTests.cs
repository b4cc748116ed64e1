using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Gateway.Tests;

/// <summary>
/// Traces: the caller's W3C trace context reaches the upstream, and with <c>Otlp:Endpoint</c> set the gateway
/// exports its spans over OTLP/HTTP to a receiver listening on loopback, in the caller's trace and without the
/// citizen's ID number.
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    public Task InitializeAsync() => TestServers.WireMock.ResetRequestsAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Verify_CallerSendsTraceparent_C06ReceivesTheSameTrace()
    {
        using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        var trace = ActivityTraceId.CreateRandom();

        using var response = await VerifyAsync(client, trace);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = await TestServers.WireMock.FindRequestsAsync("POST", "/c06/XacThucCongDan");
        var traceparent = Assert.Single(Assert.Single(sent).Headers.First(h => h.Key.Equals("traceparent", StringComparison.OrdinalIgnoreCase)).Value);
        Assert.Matches($"^00-{trace.ToHexString()}-[0-9a-f]{{16}}-01$", traceparent);
    }

    [Fact]
    public async Task Verify_OtlpEndpointSet_ExportsTheCallersTraceWithTheConnectorSpanAndNoIdNumber()
    {
        using var receiver = new OtlpReceiver();
        using var gateway = new GatewayFactory(new GatewayFactoryOptions
        {
            Settings = new Dictionary<string, string?>
            {
                ["Otlp:Endpoint"] = receiver.Url,
                ["Otlp:Protocol"] = "http/protobuf",
                ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            },
        });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        var trace = ActivityTraceId.CreateRandom();
        var traceBytes = Convert.FromHexString(trace.ToHexString());

        using var response = await VerifyAsync(client, trace);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // OTLP/protobuf carries the trace id as 16 raw bytes and span names as UTF-8 strings.
        await Eventually.TrueAsync(
            () => receiver.Traces.Any(body => Contains(body, traceBytes) && Contains(body, "Identity citizen_verify"u8.ToArray())),
            "a span batch of the caller's trace with the connector span reaches the OTLP receiver",
            TimeSpan.FromSeconds(30));
        Assert.All(receiver.Traces, body => Assert.False(Contains(body, Encoding.UTF8.GetBytes(IdNumber)), "an exported span carries the ID number"));
    }

    private const string IdNumber = "001085012345";

    private static Task<HttpResponseMessage> VerifyAsync(HttpClient client, ActivityTraceId trace)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/identity/citizens/verify")
        {
            Content = JsonContent.Create(new { idNumber = IdNumber, fullName = "Nguyễn Văn An", dateOfBirth = "1985-03-15" }),
        };
        request.Headers.Add("X-Purpose", "kiem tra truoc khi tiep nhan ho so");
        request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        return client.SendAsync(request);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>The smallest OTLP/HTTP receiver: keeps the body of every POST to <c>/v1/traces</c> and answers 200.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<byte[]> _traces = new();
        private readonly Task _loop;

        public OtlpReceiver()
        {
            var port = FreePort.Get();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public string Url { get; }

        public IReadOnlyCollection<byte[]> Traces => _traces.ToArray();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/traces")
                {
                    _traces.Enqueue(body.ToArray());
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
