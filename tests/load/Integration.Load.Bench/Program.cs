using Integration.Core;
using Integration.Core.Http;
using Integration.Core.Problems;

// GET /baseline           the same JSON as the fake upstream, no hop: the ceiling of this machine
// GET /plain              one plain HttpClient hop to the fake upstream
// GET /pipeline           the same hop through the gateway's resilience handler (timeouts, retry, breaker)
// GET /pipeline/flaky     through the pipeline to an upstream failing 20 % of calls (retries hide them)
// GET /pipeline/down      through the pipeline to a port nothing listens on (the circuit opens, then fails fast)
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var upstream = builder.Configuration["Upstream"] ?? "http://127.0.0.1:5301";
var dead = builder.Configuration["DeadUpstream"] ?? "http://127.0.0.1:9";
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    ["Store:ConnectionString"] = "Data Source=" + Path.Combine(Path.GetTempPath(), "bench-" + Environment.ProcessId + ".db"),
    // Outside Development the keys are required; a bench run needs none that outlive it.
    ["Privacy:HashKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["Privacy:EncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    ["Connectors:Bench:Resilience:RetryDelay"] = "00:00:00.001",
    ["Connectors:Bench:Resilience:RetryMaxDelay"] = "00:00:00.010",
    ["Connectors:Bench:Resilience:MaxRetryAttempts"] = "5",
    ["Connectors:Bench:Resilience:FailureRatio"] = "0.9",
    ["Connectors:Down:Resilience:MinimumThroughput"] = "20",
    ["Connectors:Down:Resilience:MaxRetryAttempts"] = "0",
    ["Connectors:Down:Resilience:BreakDuration"] = "00:01:00",
});
builder.Services.AddGatewayCore(builder.Configuration);
builder.Services.AddConnectorResilience("Bench", builder.Configuration.GetSection("Connectors:Bench"));
builder.Services.AddConnectorResilience("Down", builder.Configuration.GetSection("Connectors:Down"));
builder.Services.AddUpstreamHttpClient<BenchClient>("Bench", "fake", _ => upstream);
builder.Services.AddUpstreamHttpClient<DownClient>("Down", "nothing", _ => dead);
builder.Services.AddHttpClient("plain", c => c.BaseAddress = new Uri(upstream + "/"));
var app = builder.Build();

const string Body = """{"result":"match","mismatchedFields":[],"identityLevel":2,"source":"upstream","stale":false,"idNumberMasked":"001*******45"}""";
app.MapGet("/baseline", () => Results.Content(Body, "application/json"));
app.MapGet("/plain", async (IHttpClientFactory factory) => Results.Content(await factory.CreateClient("plain").GetStringAsync("json"), "application/json"));
app.MapGet("/pipeline", async (BenchClient client) => Results.Content(await client.Http.GetStringAsync("json"), "application/json"));
app.MapGet("/pipeline/flaky", async (BenchClient client) =>
{
    using var response = await client.Http.GetAsync("flaky?p=0.2");
    return response.IsSuccessStatusCode ? Results.Content(await response.Content.ReadAsStringAsync(), "application/json") : Results.StatusCode((int)response.StatusCode);
});
app.MapGet("/pipeline/down", async (DownClient client) =>
{
    try
    {
        using var response = await client.Http.GetAsync("json");
        return Results.StatusCode((int)response.StatusCode);
    }
    catch (UpstreamException ex)
    {
        return Results.StatusCode(ex.Status);
    }
});
app.Run();

internal sealed class BenchClient(HttpClient http)
{
    public HttpClient Http { get; } = http;
}

internal sealed class DownClient(HttpClient http)
{
    public HttpClient Http { get; } = http;
}
