using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Connectors.Identity;
using Integration.Connectors.Linked;
using Integration.Connectors.NationalPortal;
using Integration.Connectors.Payment;
using Integration.Connectors.Telco;
using Integration.Core;
using Integration.Core.Jobs;
using Integration.Gateway.Endpoints;
using Integration.Gateway.Health;
using Integration.Gateway.Hosting;
using Integration.Gateway.Operations;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Integration.Indicators;
using Quartz;

var builder = WebApplication.CreateBuilder(args);

builder.Logging.AddConsole(o => o.FormatterName = MaskingConsoleFormatter.Name)
    .AddConsoleFormatter<MaskingConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();

builder.Services.AddGatewayCore(builder.Configuration);
builder.Services.AddQuartz();
builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
builder.Services.AddBoundedSchedulerShutdown(builder.Configuration.GetValue("Gateway:Scheduler:ShutdownTimeout", TimeSpan.FromSeconds(15)));
builder.Services.AddIdentityConnector(builder.Configuration.GetSection("Connectors:Identity"));
builder.Services.AddTelcoConnector(builder.Configuration.GetSection("Connectors:Telco"));
builder.Services.AddPaymentConnector(builder.Configuration.GetSection("Connectors:Payment"));
builder.Services.AddNationalPortalConnector(builder.Configuration.GetSection("Connectors:NationalPortal"));
builder.Services.AddLinkedConnector(builder.Configuration.GetSection("Connectors:Linked"));
builder.Services.AddProvinceIndicators(builder.Configuration.GetSection("Indicators"));
builder.Services.AddGatewaySecurity(builder.Configuration);
builder.Services.AddGatewayProblemDetails();
builder.Services.AddGatewayHealthChecks();
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
    o.SerializerOptions.Converters.Add(new VietnamTimeJsonConverter());
});
// Binding failures (malformed JSON, wrong types, wrong content type) become exceptions the
// problem-details handler turns into 400/415 answers with a field-level list.
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.AddOpenApi();
builder.Services.AddGatewayOperations(builder.Configuration);

var app = builder.Build();
app.Services.AddGatewayGauges();

app.UseGatewayForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<RequestSizeLimitMiddleware>();
app.UseGatewayAuthentication();
app.UseRateLimiter();

// The API description is a map for attackers too: off in Production unless Gateway:PublishApiDocs says otherwise.
if (!app.Environment.IsProduction() || app.Configuration.GetValue<bool>("Gateway:PublishApiDocs"))
{
    app.MapOpenApi("/openapi/{documentName}.json");
    app.UseSwaggerUI(o =>
    {
        o.SwaggerEndpoint("/openapi/v1.json", "Integration gateway v1");
        o.RoutePrefix = "swagger";
    });
}
app.UseStaticFiles();
app.MapGet("/ops", () => Results.Redirect("/ops/index.html")).ExcludeFromDescription();
app.MapGet("/reports", () => Results.Redirect("/reports/index.html")).ExcludeFromDescription();
app.MapGatewayHealth();
app.MapConnectorEndpoints();
app.MapIdentityEndpoints();
app.MapTelcoEndpoints();
app.MapPaymentEndpoints();
app.MapPortalEndpoints();
app.MapLinkedEndpoints();
app.MapIndicatorEndpoints();
app.MapReadinessEndpoints();

app.Run();

/// <summary>The gateway host (public so tests can build it with WebApplicationFactory).</summary>
public partial class Program;
