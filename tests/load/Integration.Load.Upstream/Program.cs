// The fake upstream of the benchmarks: answers in microseconds, so what is measured is the gateway.
//   GET /json          a fixed JSON document (the size of a citizen-check answer)
//   GET /flaky?p=0.2   503 with probability p, else /json
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

const string Body = """{"result":"match","mismatchedFields":[],"identityLevel":2,"source":"upstream","stale":false,"idNumberMasked":"001*******45"}""";

app.MapGet("/json", () => Results.Content(Body, "application/json"));
app.MapGet("/flaky", (double? p) =>
    Random.Shared.NextDouble() < (p ?? 0.2) ? Results.StatusCode(503) : Results.Content(Body, "application/json"));
app.Run();
