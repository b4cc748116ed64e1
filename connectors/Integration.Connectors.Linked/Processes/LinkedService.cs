using System.Text.Json;
using System.Text.Json.Nodes;
using Integration.Core.Audit;
using Integration.Core.Hosting;
using Integration.Core.Privacy;
using Integration.Core.Problems;
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

    public Task<LinkedCreated> CreateBirthAsync(string client, string? idempotencyKey, LinkedBirthRequest? request, CancellationToken cancellationToken)
    {
        var key = Key(idempotencyKey);
        LinkedRequestValidator.Validate(request, VietnamTime.Today(time));
        return CreateAsync(client, key, LinkedSteps.Birth, request!.DossierCode!, request, null, request.Requester!.IdNumber!, cancellationToken);
    }

    public Task<LinkedCreated> CreateDeathAsync(string client, string? idempotencyKey, LinkedDeathRequest? request, CancellationToken cancellationToken)
    {
        var key = Key(idempotencyKey);
        LinkedRequestValidator.Validate(request, VietnamTime.Today(time));
        return CreateAsync(client, key, LinkedSteps.Death, request!.DossierCode!, null, request, request.Requester!.IdNumber!, cancellationToken);
    }

    public async Task<LinkedProcessView?> GetAsync(string linkedId, CancellationToken cancellationToken)
    {
        if (!IsId(linkedId))
        {
            return null;
        }

        return await store.GetAsync(linkedId, cancellationToken) is { } found ? View(found.Process, found.Steps) : null;
    }

    public async Task<LinkedProcessView> RetryStepAsync(string linkedId, string step, JsonObject? corrections, CancellationToken cancellationToken)
    {
        var (process, _) = await FindAsync(linkedId, cancellationToken);
        var definition = LinkedSteps.Find(process.Kind, step)
            ?? throw new GatewayProblemException(404, ProblemCodes.NotFound, "No such step.",
                $"A {process.Kind} process has the steps {string.Join(", ", LinkedSteps.For(process.Kind).Select(s => s.Name))}.");
        string? requestData = null;
        if (corrections is { Count: > 0 })
        {
            requestData = Correct(process, definition, corrections);
        }

        switch (await store.RetryAsync(process.Id, step, requestData, cancellationToken))
        {
            case null:
                throw NotFound();
            case false:
                throw new GatewayProblemException(409, "step_not_retryable", "This step cannot be retried now.",
                    "Only a failed step (or one waiting for its next attempt) of a process that is not cancelled can be retried.");
        }

        audit.Record(new AuditRecord("linked.retry", LinkedServiceCollectionExtensions.ConnectorName, requestData is null ? "retried" : "corrected",
            $"lien thong {process.Kind} {process.DossierCode} {step}"));
        Log.StepRetried(logger, process.Id, step, requestData is null ? "" : " with corrected fields");
        signal.Wake();
        return (await GetAsync(process.Id, cancellationToken))!;
    }

    public async Task<LinkedProcessView> CancelAsync(string linkedId, CancellationToken cancellationToken)
    {
        var (process, _) = await FindAsync(linkedId, cancellationToken);
        switch (await store.CancelAsync(process.Id, cancellationToken))
        {
            case null:
                throw NotFound();
            case false:
                throw new GatewayProblemException(409, "process_completed", "A completed process cannot be cancelled.");
        }

        audit.Record(new AuditRecord("linked.cancel", LinkedServiceCollectionExtensions.ConnectorName, "cancelled", $"lien thong {process.Kind} {process.DossierCode}"));
        Log.ProcessCancelled(logger, process.Id);
        return (await GetAsync(process.Id, cancellationToken))!;
    }

    public async Task<IReadOnlyList<LinkedProcessView>> ListAsync(string? state, int? limit, CancellationToken cancellationToken)
    {
        if (state is not null and not (LinkedStore.Running or LinkedStore.Completed or LinkedStore.NeedsAttention or LinkedStore.Cancelled))
        {
            throw GatewayProblemException.Validation("state", ProblemCodes.InvalidField, "state must be running, completed, needs_attention or cancelled.");
        }

        if (limit is < 1 or > 500)
        {
            throw GatewayProblemException.Validation("limit", ProblemCodes.InvalidField, "limit must be between 1 and 500.");
        }

        var views = new List<LinkedProcessView>();
        foreach (var p in await store.ListAsync(state, limit ?? 100, cancellationToken))
        {
            if (await store.GetAsync(p.Id, cancellationToken) is { } found)
            {
                views.Add(View(found.Process, found.Steps));
            }
        }

        return views;
    }

    private async Task<LinkedCreated> CreateAsync(
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
                throw new GatewayProblemException(422, ProblemCodes.IdempotencyKeyReused, "This Idempotency-Key was used with another request.",
                    "Send a new Idempotency-Key for a new dossier; repeat a request only with exactly the same body.");
            case CreateOutcome.SameDossier:
                throw new GatewayProblemException(409, "linked_process_exists", "This dossier already has a linked process.",
                    $"Dossier {dossierCode} is process {stored.Id}; read it with GET /api/v1/linked/{stored.Id}.");
            case CreateOutcome.Created:
                audit.Record(new AuditRecord("linked.create", LinkedServiceCollectionExtensions.ConnectorName, "accepted",
                    $"lien thong {kind} {dossierCode}", PersonalDataMask.IdNumber(requesterId), protector.Hash("subject", requesterId)));
                Log.ProcessCreated(logger, kind, id, dossierCode);
                signal.Wake();
                break;
        }

        var view = await GetAsync(stored.Id, cancellationToken) ?? throw new InvalidOperationException("The process just stored is gone.");
        return new LinkedCreated(outcome != CreateOutcome.Created, view);
    }

    private string Correct(ProcessRow process, StepDefinition definition, JsonObject corrections)
    {
        var errors = corrections
            .Where(c => !definition.Correctable.Contains(c.Key, StringComparer.Ordinal))
            .Select(c => new FieldError(c.Key, ProblemCodes.InvalidField,
                $"{c.Key} cannot be corrected on step {definition.Name}; it takes {string.Join(", ", definition.Correctable)}."))
            .ToList();
        if (errors.Count > 0)
        {
            throw GatewayProblemException.Validation(errors);
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
                var birth = JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedBirthRequest);
                LinkedRequestValidator.Validate(birth, VietnamTime.Today(time));
                return codec.Protect(JsonSerializer.Serialize(birth!, LinkedJsonContext.Default.LinkedBirthRequest), process.Id);
            }

            var death = JsonSerializer.Deserialize(json, LinkedJsonContext.Default.LinkedDeathRequest);
            LinkedRequestValidator.Validate(death, VietnamTime.Today(time));
            return codec.Protect(JsonSerializer.Serialize(death!, LinkedJsonContext.Default.LinkedDeathRequest), process.Id);
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) ? "body" : ex.Path.TrimStart('$', '.');
            throw GatewayProblemException.Validation(field, ProblemCodes.InvalidFieldType, $"{field} has the wrong type.");
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

    private async Task<(ProcessRow Process, IReadOnlyList<StepRow> Steps)> FindAsync(string linkedId, CancellationToken cancellationToken) =>
        IsId(linkedId) && await store.GetAsync(linkedId, cancellationToken) is { } found ? found : throw NotFound();

    private static GatewayProblemException NotFound() => new(404, ProblemCodes.NotFound, "No linked process has this id.");

    private static bool IsId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static string Key(string? idempotencyKey)
    {
        if (string.IsNullOrWhiteSpace(idempotencyKey))
        {
            throw GatewayProblemException.Validation(IdempotencyKeyHeader, ProblemCodes.IdempotencyKeyMissing,
                "An Idempotency-Key header is required: a linked dossier is accepted once per key.");
        }

        if (idempotencyKey.Length > 200 || idempotencyKey.Any(c => c < 0x21 || c > 0x7e))
        {
            throw GatewayProblemException.Validation(IdempotencyKeyHeader, ProblemCodes.InvalidField,
                "The Idempotency-Key must be 1-200 visible ASCII characters.");
        }

        return idempotencyKey;
    }
}
