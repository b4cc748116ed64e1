using System.Globalization;
using System.Text;
using Integration.Core.Problems;
using Integration.Gateway.Problems;
using Integration.Gateway.Security;
using Integration.Indicators;
using Microsoft.AspNetCore.Mvc;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// <c>/api/v1/indicators</c>: the figures the province is scored on. Every route answers JSON, or CSV
/// (UTF-8 with a byte-order mark, so a spreadsheet shows Vietnamese names correctly) when asked with
/// <c>Accept: text/csv</c> or <c>format=csv</c>.
/// </summary>
internal static class IndicatorEndpoints
{
    public static IEndpointRouteBuilder MapIndicatorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapApiGroup("/api/v1/indicators", "Indicators", Scopes.Reports);
        group.MapGet("/dossiers", GetDossiersAsync)
            .WithSummary("Received, online and on-time dossiers by agency, procedure or locality, with rates (JSON or CSV).")
            .ProducesValidationProblems();
        group.MapGet("/communes-without-online", GetCommunesWithoutOnlineAsync)
            .WithSummary("Communes that received no online dossier in the period.")
            .ProducesValidationProblems();
        group.MapGet("/overdue", GetOverdueAsync)
            .WithSummary("Dossiers past their due date, oldest first.")
            .ProducesValidationProblems();
        group.MapGet("/payments", GetPaymentsAsync)
            .WithSummary("Fees paid online in the period, by payment method.")
            .ProducesValidationProblems();
        group.MapGet("/accounts", GetAccountsAsync)
            .WithSummary("VNeID accounts opened per day and locality, from the national portal statistics.")
            .ProducesValidationProblems();
        return app;
    }

    private static async Task<IResult> GetDossiersAsync(HttpContext http, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? groupBy, [FromQuery] string? format, IProvinceIndicators indicators, CancellationToken ct)
    {
        var csv = WantsCsv(http, format);
        return Answer(await indicators.GetDossiersAsync(from, to, groupBy, ct), csv,
            r => Csv($"chi-tieu-ho-so-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv", DossiersCsv(r)));
    }

    private static async Task<IResult> GetCommunesWithoutOnlineAsync(HttpContext http, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, IProvinceIndicators indicators, CancellationToken ct)
    {
        var csv = WantsCsv(http, format);
        return Answer(await indicators.GetCommunesWithoutOnlineAsync(from, to, ct), csv,
            r => Csv($"xa-chua-co-ho-so-truc-tuyen-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv",
                Table(["code", "name", "localityCode"], r.Communes.Select(c => new object?[] { c.Code, c.Name, c.LocalityCode }))));
    }

    private static async Task<IResult> GetOverdueAsync(HttpContext http, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? agency, [FromQuery] int? limit, [FromQuery] string? format, IProvinceIndicators indicators, CancellationToken ct)
    {
        var csv = WantsCsv(http, format);
        return Answer(await indicators.GetOverdueAsync(from, to, agency, limit, ct), csv,
            r => Csv($"ho-so-qua-han-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv",
                Table(["dossierCode", "agencyCode", "agencyName", "procedureCode", "status", "channel", "receivedAt", "dueAt", "overdueDays"],
                    r.Items.Select(i => new object?[] { i.DossierCode, i.AgencyCode, i.AgencyName, i.ProcedureCode, i.Status, i.Channel, i.ReceivedAt, i.DueAt, i.OverdueDays }))));
    }

    private static async Task<IResult> GetPaymentsAsync(HttpContext http, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, IProvinceIndicators indicators, CancellationToken ct)
    {
        var csv = WantsCsv(http, format);
        return Answer(await indicators.GetPaymentsAsync(from, to, ct), csv,
            r => Csv($"thanh-toan-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv",
                Table(["method", "count", "amount"], r.Methods.Select(m => new object?[] { m.Method, m.Count, m.Amount })
                    .Append(["total", r.Count, r.Amount]))));
    }

    private static async Task<IResult> GetAccountsAsync(HttpContext http, [FromQuery] string? locality, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, IProvinceIndicators indicators, CancellationToken ct)
    {
        var csv = WantsCsv(http, format);
        return Answer(await indicators.GetAccountsAsync(locality, from, to, ct), csv,
            r => Csv($"tai-khoan-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv",
                Table(["date", "localityCode", "localityName", "accounts", "level2Accounts"],
                    r.Days.Select(d => new object?[] { d.Date, d.LocalityCode, d.LocalityName, d.Accounts, d.Level2Accounts }))));
    }

    /// <summary>The figures as JSON or, when asked, as CSV; a refused argument as its problem.</summary>
    private static IResult Answer<T>(Result<T, IndicatorError> result, bool csv, Func<T, IResult> asCsv)
        where T : notnull =>
        !result.Succeeded ? result.Error.ToProblem() : csv ? asCsv(result.Value) : TypedResults.Ok(result.Value);

    private static bool WantsCsv(HttpContext http, string? format) => format switch
    {
        "csv" => true,
        "json" => false,
        null or "" => http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)),
        _ => throw GatewayProblemException.Validation("format", ProblemCodes.InvalidField, "format must be json or csv."),
    };

    private static string DossiersCsv(DossierIndicators r)
    {
        var t = r.Total;
        var rows = r.Groups
            .Select(g => new object?[] { g.Key, g.Name, g.Level, g.Received, g.Online, g.OnlineRate, g.Finished, g.OnTime, g.Late, g.OnTimeRate, g.OverdueOpen })
            .Append(["total", "Tổng cộng", null, t.Received, t.Online, t.OnlineRate, t.Finished, t.OnTime, t.Late, t.OnTimeRate, t.OverdueOpen]);
        return Table(["key", "name", "level", "received", "online", "onlineRate", "finished", "onTime", "late", "onTimeRate", "overdueOpen"], rows);
    }

    private static string Table(string[] header, IEnumerable<object?[]> rows)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', header).Append("\r\n");
        foreach (var row in rows)
        {
            sb.AppendJoin(',', row.Select(Cell)).Append("\r\n");
        }

        return sb.ToString();
    }

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset d => d.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
        if (text.Length > 0 && "=+-@".Contains(text[0], StringComparison.Ordinal) && value is string)
        {
            text = "'" + text;
        }

        return text.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }

    private static IResult Csv(string fileName, string content)
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(content)).ToArray();
        return TypedResults.File(bytes, "text/csv; charset=utf-8", fileName);
    }
}
