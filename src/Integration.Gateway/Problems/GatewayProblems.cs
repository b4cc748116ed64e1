using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Integration.Core.Problems;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Problems;

/// <summary>
/// Every error answer is an RFC 9457 problem-details document with a stable <c>code</c> and the
/// <c>traceId</c>: this is the one place that turns exceptions and bare status codes into them, and builds the
/// problems a connector's typed refusals are answered with (<see cref="PaymentProblems"/>).
/// </summary>
internal static partial class GatewayProblems
{
    public static IServiceCollection AddGatewayProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var http = context.HttpContext;
            problem.Instance ??= http.Request.Path;
            problem.Extensions.Remove("exception");
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
            if (!problem.Extensions.ContainsKey("code"))
            {
                problem.Extensions["code"] = CodeFor(problem.Status ?? http.Response.StatusCode);
            }

            problem.Title ??= TitleFor(problem.Status ?? http.Response.StatusCode);
        });
        // Problem details are the gateway's only error format: written as JSON even to a caller whose Accept
        // header does not list it (the framework's writer would write nothing, and an exception handler that
        // writes nothing for a 404 is turned into a 500 by the exception-handler middleware).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProblemDetailsWriter, JsonProblemDetailsWriter>());
        services.AddExceptionHandler<GatewayExceptionHandler>();
        return services;
    }

    public static string CodeFor(int status) => status switch
    {
        400 => ProblemCodes.BadRequest,
        401 => ProblemCodes.Unauthenticated,
        403 => ProblemCodes.Forbidden,
        404 => ProblemCodes.NotFound,
        405 => ProblemCodes.MethodNotAllowed,
        409 => ProblemCodes.Conflict,
        413 => ProblemCodes.PayloadTooLarge,
        415 => ProblemCodes.UnsupportedMediaType,
        429 => ProblemCodes.RateLimited,
        _ when status >= 500 => ProblemCodes.InternalError,
        _ => "http_" + status.ToString(CultureInfo.InvariantCulture),
    };

    private static string TitleFor(int status) => status switch
    {
        401 => "An API key is required (header X-Api-Key).",
        403 => "The API key does not grant the scope this route needs.",
        404 => "Not found.",
        405 => "Method not allowed.",
        413 => "The request body is too large.",
        415 => "The request body must be JSON (Content-Type: application/json).",
        429 => "Too many requests for this client; wait for the time in Retry-After.",
        _ => "The request could not be processed.",
    };

    /// <summary>A problem answer with its stable <paramref name="code"/> and, for invalid input, the field-level list.</summary>
    public static ProblemHttpResult Problem(int status, string code, string title, string? detail, IReadOnlyList<FieldError>? errors = null)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } };
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>A 400 for invalid fields, as <see cref="GatewayProblemException.Validation(IReadOnlyList{FieldError})"/> answers it.</summary>
    public static ProblemHttpResult Validation(string code, IReadOnlyList<FieldError> errors) =>
        Problem(StatusCodes.Status400BadRequest, code, "The request is not valid.", string.Join(" ", errors.Select(e => e.Message)), errors);

    /// <summary>Sets <c>Retry-After</c> in whole seconds, at least one.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="exception"/> as problem details; false when it is not one of ours.</summary>
    internal static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        GatewayProblemException g => FromGateway(g),
        BadHttpRequestException { InnerException: JsonException json } => FromJson(json),
        BadHttpRequestException b => new ProblemDetails
        {
            Status = b.StatusCode,
            Title = TitleFor(b.StatusCode),
            Detail = b.StatusCode == 400 ? SafeDetail(b.Message) : null,
            Extensions = { ["code"] = CodeFor(b.StatusCode) },
        },
        _ => null,
    };

    private static ProblemDetails FromGateway(GatewayProblemException g)
    {
        var problem = new ProblemDetails { Status = g.Status, Title = g.Title, Detail = g.Detail };
        problem.Extensions["code"] = g.Code;
        if (g.Remediation is not null)
        {
            problem.Extensions["remediation"] = g.Remediation;
        }

        if (g.Errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = g.Errors;
        }

        if (g is UpstreamException u)
        {
            problem.Extensions["upstream"] = u.Upstream;
        }

        return problem;
    }

    private static ProblemDetails FromJson(JsonException json)
    {
        var field = FieldFromPath(json.Path);
        var encoding = json.InnerException is InvalidOperationException or DecoderFallbackException
            && (json.InnerException.Message.Contains("UTF-8", StringComparison.OrdinalIgnoreCase) || json.InnerException is DecoderFallbackException);
        var typeError = !encoding && json.Message.Contains("could not be converted", StringComparison.Ordinal);
        var error = encoding
            ? new FieldError(field, ProblemCodes.MalformedJson, $"The value of '{field}' is not valid UTF-8.")
            : typeError
            ? new FieldError(field, ProblemCodes.InvalidFieldType, $"The value of '{field}' has the wrong type.")
            : new FieldError(field, ProblemCodes.MalformedJson,
                $"The body is not valid JSON{(json.LineNumber is { } l ? $" (line {l + 1}, position {json.BytePositionInLine})" : "")}.");
        return new ProblemDetails
        {
            Status = 400,
            Title = "The request body could not be read.",
            Detail = error.Message,
            Extensions = { ["code"] = error.Code, ["errors"] = new[] { error } },
        };
    }

    /// <summary><c>$.payer.name</c> → <c>payer.name</c>; <c>$</c> → <c>body</c>.</summary>
    private static string FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>Framework messages name parameters and types, never values; still, mask any digit run.</summary>
    private static string SafeDetail(string message) => Integration.Core.Privacy.PersonalDataMask.Text(LongQuotedValues().Replace(message, "…"));

    [GeneratedRegex(@"""[^""]{64,}""")]
    private static partial Regex LongQuotedValues();
}

/// <summary>
/// Turns exceptions into problem details; a transient store failure becomes a 503 <c>store_unavailable</c> with
/// <c>Retry-After</c>; unknown ones become a 500 with no detail (logged with the trace id).
/// </summary>
internal sealed class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    private static readonly TimeSpan StoreRetryAfter = TimeSpan.FromSeconds(2);

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is DbException { IsTransient: true } store)
        {
            // The store restarting or out of connections passes: the caller should retry, not report a gateway bug.
            Log.StoreUnavailable(logger, httpContext.Request.Method, httpContext.GetEndpoint()?.DisplayName ?? "unknown", store.GetType().Name, store.Message);
            exception = new GatewayProblemException(503, ProblemCodes.StoreUnavailable, "The gateway's store is not reachable.",
                "The durable store did not answer; retry after the time in Retry-After.", store)
            {
                RetryAfter = StoreRetryAfter,
            };
        }

        var problem = GatewayProblems.ToProblem(exception);
        if (problem is null)
        {
            Log.UnhandledException(logger, httpContext.Request.Method, httpContext.GetEndpoint()?.DisplayName ?? "unknown", exception);
            problem = new ProblemDetails
            {
                Status = 500,
                Title = "The gateway failed to process the request.",
                Extensions = { ["code"] = ProblemCodes.InternalError },
            };
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status ?? 500;
        if (exception is GatewayProblemException { RetryAfter: { } retryAfter })
        {
            GatewayProblems.SetRetryAfter(httpContext.Response, retryAfter);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }
}

/// <summary>
/// The fallback after the framework's writer (which writes only when the Accept header allows JSON): the same
/// customised document, as <c>application/problem+json</c>, whatever the caller accepts.
/// </summary>
internal sealed class JsonProblemDetailsWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        context.ProblemDetails.Status ??= context.HttpContext.Response.StatusCode;
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json"));
    }
}
