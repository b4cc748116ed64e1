using System.Text.Json.Nodes;
using System.Text.Json;
using Integration.Core.Audit;
using Integration.Core.Hosting;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.Logging;

namespace Integration.Connectors.Linked.Processes;

internal sealed class LinkedService(
    LinkedStore store,
    LinkedCodec codec,
    LinkedSignal signal,
    AuditLog audit,
    PersonalDataProtector protector,
    TimeProvider time,
    ILogger<LinkedService> logger)
    : ILinkedProcedures
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public async Task<Result<LinkedCreated, LinkedError>> CreateBirthAsync(
        string client, string? idempotencyKey, LinkedBirthRequest? request, CancellationToken cancellationToken)
    {
        var key = Key(idempotencyKey);
        if (!key.Succeeded)
        {
            return key.Error;
        }

        var valid = LinkedRequestValidator.Validate(request, VietnamTime.Today(time));
        return valid.Succeeded
            ? await CreateAsync(client, key.Value, LinkedSteps.Birth, valid.Value.DossierCode!, valid.Value, null, valid.Value.Requester!.IdNumber!, cancellationToken)
            : valid.Error;
    }

    public async Task<Result<LinkedCreated, LinkedError>> CreateDeathAsync(
        string client, string? idempotencyKey, LinkedDeathRequest? request, CancellationToken cancellationToken)
    {
        var key = Key(idempotencyKey);
        if (!key.Succeeded)
        {
            return key.Error;
        }

        var valid = LinkedRequestValidator.Validate(request, VietnamTime.Today(time));
        return valid.Succeeded
            ? await CreateAsync(client, key.Value, LinkedSteps.Death, valid.Value.DossierCode!, null, valid.Value, valid.Value.Requester!.IdNumber!, cancellationToken)
            : valid.Error;
    }

    public async Task<Result<LinkedProcessView, LinkedError>> GetAsync(string linkedId, CancellationToken cancellationToken) =>
        await ViewAsync(linkedId, cancellationToken) is { } view ? view : new LinkedError.ProcessNotFound();

    public async Task<Result<LinkedProcessView, LinkedError>> RetryStepAsync(string linkedId, string step, JsonObject? corrections, CancellationToken cancellationToken)
    {
        if (await FindAsync(linkedId, cancellationToken) is not { } process)
        {
            return new LinkedError.ProcessNotFound();
        }

        if (LinkedSteps.Find(process.Kind, step) is not { } definition)
        {
            return new LinkedError.StepNotFound(process.Kind, LinkedSteps.For(process.Kind).Select(s => s.Name).ToList());
        }

        string? requestData = null;
        if (corrections is { Count: > 0 })
        {
            var corrected = Correct(process, definition, corrections);
            if (!corrected.Succeeded)
            {
                return corrected.Error;
            }

            requestData = corrected.Value;
        }

        switch (await store.RetryAsync(process.Id, step, requestData, cancellationToken))
        {
            case null:
                return new LinkedError.ProcessNotFound();
            case false:
                return new LinkedError.StepNotRetryable();
        }

        audit.Record(new AuditRecord("linked.retry", LinkedServiceCollectionExtensions.ConnectorName, requestData is null ? "retried" : "corrected",
            $"lien thong {process.Kind} {process.DossierCode} {step}"));
        Log.StepRetried(logger, process.Id, step, requestData is null ? "" : " with corrected fields");
        signal.Wake();
        return await GetAsync(process.Id, cancellationToken);
    }

    public async Task<Result<LinkedProcessView, LinkedError>> CancelAsync(string linkedId, CancellationToken cancellationToken)
    {
        if (await FindAsync(linkedId, cancellationToken) is not { } process)
        {
            return new LinkedError.ProcessNotFound();
        }

        switch (await store.CancelAsync(process.Id, cancellationToken))
        {
            case null:
                return new LinkedError.ProcessNotFound();
            case false:
                return new LinkedError.ProcessCompleted();
        }

        audit.Record(new AuditRecord("linked.cancel", LinkedServiceCollectionExtensions.ConnectorName, "cancelled", $"lien thong {process.Kind} {process.DossierCode}"));
        Log.ProcessCancelled(logger, process.Id);
        return await GetAsync(process.Id, cancellationToken);
    }

    public async Task<Result<IReadOnlyList<LinkedProcessView>, LinkedError>> ListAsync(string? state, int? limit, CancellationToken cancellationToken)
    {
        if (state is not null and not (LinkedStore.Running or LinkedStore.Completed or LinkedStore.NeedsAttention or LinkedStore.Cancelled))
        {
            return Invalid("state", ProblemCodes.InvalidField, "state must be running, completed, needs_attention or cancelled.");
        }

        if (!PageLimit.TryParse(limit, 100, 500, out var take, out var invalid))
        {
            return new LinkedError.Invalid([invalid]);
        }

        var views = new List<LinkedProcessView>();
        foreach (var p in await store.ListAsync(state, take, cancellationToken))
        {
            if (await store.GetAsync(p.Id, cancellationToken) is { } found)
            {
                views.Add(View(found.Process, found.Steps));
            }
        }

        return views;
    }

    private async Task<Result<LinkedCreated, LinkedError>> CreateAsync(
        string client, string key, string kind, string dossierCode, LinkedBirthRequest? birth, LinkedDeathRequest? death, string requesterId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var json = birth is not null
            ? JsonSerializer.Serialize(birth, LinkedJsonContext.Default.LinkedBirthRequest)
            : JsonSerializer.Serialize(death!, LinkedJsonContext.Default.LinkedDeathRequest);
        var id = Guid.CreateVersion7(now).ToString("N");
        var row = new ProcessRow(id, kind, dossierCode, client, key, codec.Hash(kind, json), codec.Protect(json, id), LinkedStore.Running,
            now.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds());
        var (outcome, stored) = await store.CreateAsync(row, LinkedSteps.For(kind), cancellationToken);
        switch (outcome)
        {
            case CreateOutcome.SameKey when stored.RequestHash != row.RequestHash || stored.Kind != kind:
                return new LinkedError.IdempotencyKeyReused();
            case CreateOutcome.SameDossier:
                return new LinkedError.ProcessExists(dossierCode, stored.Id);
            case CreateOutcome.Created:
                audit.Record(new AuditRecord("linked.create", LinkedServiceCollectionExtensions.ConnectorName, "accepted",
                    $"lien thong {kind} {dossierCode}", PersonalDataMask.IdNumber(requesterId), protector.Hash("subject", requesterId)));
                Log.ProcessCreated(logger, kind, id, dossierCode);
                signal.Wake();
                break;
        }

        var view = await ViewAsync(stored.Id, cancellationToken) ?? throw new InvalidOperationException("The process just stored is gone.");
        return new LinkedCreated(outcome != CreateOutcome.Created, view);
    }

    /// <summary>The stored request with <paramref name="corrections"/> merged in, validated and protected again.</summary>
    private Result<string, LinkedError> Correct(ProcessRow process, StepDefinition definition, JsonObject corrections)
    {
        var errors = corrections
            .Where(c => !definition.Correctable.Contains(c.Key, StringComparer.Ordinal))
            .Select(c => new FieldError(c.Key, ProblemCodes.InvalidField,
                $"{c.Key} cannot be corrected on step {definition.Name}; it takes {string.Join(", ", definition.Correctable)}."))
            .ToList();
        if (errors.Count > 0)
        {
            return new LinkedError.Invalid(errors);
        }

        var request = codec.RequestNode(process);
        foreach (var (section, value) in corrections)
        {
            if (value is JsonObject fields && request[section] is JsonObject current)
            {
                foreach (var (field, v) in fields)
                {
                    current[field] = v?.DeepClone();
                }
            }
            else
            {
                request[section] = value?.DeepClone();
            }
        }

        var json = request.ToJsonString();
        try
        {
            if (process.Kind == LinkedSteps.Birth)
            {
                var birth = LinkedRequestValidator.Validate(JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedBirthRequest), VietnamTime.Today(time));
                return birth.Succeeded
                    ? codec.Protect(JsonSerializer.Serialize(birth.Value, LinkedJsonContext.Default.LinkedBirthRequest), process.Id)
                    : birth.Error;
            }

            var death = LinkedRequestValidator.Validate(JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedDeathRequest), VietnamTime.Today(time));
            return death.Succeeded
                ? codec.Protect(JsonSerializer.Serialize(death.Value, LinkedJsonContext.Default.LinkedDeathRequest), process.Id)
                : death.Error;
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) ? "body" : ex.Path.TrimStart('$', '.');
            return Invalid(field, ProblemCodes.InvalidFieldType, $"{field} has the wrong type.");
        }
    }

    private LinkedProcessView View(ProcessRow p, IReadOnlyList<StepRow> steps) => new(
        p.Id,
        p.Kind,
        p.DossierCode,
        p.State,
        DateTimeOffset.FromUnixTimeMilliseconds(p.CreatedAt),
        DateTimeOffset.FromUnixTimeMilliseconds(p.UpdatedAt),
        steps.Select(s => new LinkedStepView(
            s.Name,
            s.State,
            s.Dependencies,
            s.Attempts,
            s.LastError,
            s.State == LinkedStore.Queued ? DateTimeOffset.FromUnixTimeMilliseconds(s.NextAttemptAt) : null,
            s.CompletedAt is { } c ? DateTimeOffset.FromUnixTimeMilliseconds(c) : null,
            s.State == LinkedStore.Done && s.Result is not null && LinkedSteps.Find(p.Kind, s.Name) is { } d
                ? d.View(JsonNode.Parse(codec.Unprotect(s.Result, s.Id))!.AsObject())
                : null)).ToList());

    private async Task<LinkedProcessView?> ViewAsync(string linkedId, CancellationToken cancellationToken) =>
        IsId(linkedId) && await store.GetAsync(linkedId, cancellationToken) is { } found ? View(found.Process, found.Steps) : null;

    private async Task<ProcessRow?> FindAsync(string linkedId, CancellationToken cancellationToken) =>
        IsId(linkedId) && await store.GetAsync(linkedId, cancellationToken) is { } found ? found.Process : null;

    private static bool IsId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static LinkedError.Invalid Invalid(string field, string code, string message) => new([new FieldError(field, code, message)]);

    private static Result<string, LinkedError> Key(string? idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey))
        {
            return new LinkedError.IdempotencyKeyMissing();
        }

        if (idempotencyKey.Length > 200 || idempotencyKey.Any(c => c < 0x21 || c > 0x7e))
        {
            return Invalid(IdempotencyKeyHeader, ProblemCodes.InvalidField, "The Idempotency-Key must be 1-200 visible ASCII characters.");
        }

        return idempotencyKey;
    }
}
