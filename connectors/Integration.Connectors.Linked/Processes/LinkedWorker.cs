using System.Text.Json.Nodes;
using Integration.Connectors.Linked.Upstreams;
using Integration.Core.Audit;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Outbox;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Linked.Processes;

/// <summary>
/// Runs due steps: on a timer of the injected <see cref="TimeProvider"/> (<see cref="LinkedOptions.PollInterval"/>)
/// and at once when <see cref="LinkedSignal"/> says a step became due. Each round claims batches until none
/// is due, so the steps a finished step unblocks start at once, in parallel. Also publishes the connector's
/// backlog (steps pending; steps needing an officer) to the operators' view.
/// </summary>
internal sealed class LinkedWorker(
    LinkedStore store,
    LinkedSignal signal,
    LinkedCodec codec,
    IServiceScopeFactory scopes,
    ConnectorTelemetry telemetry,
    AuditLog audit,
    PersonalDataProtector protector,
    IOptions<LinkedOptions> options,
    ConnectorHealthRegistry registry,
    TimeProvider time,
    ILogger<LinkedWorker> logger)
    : BackgroundService
{
    private const string Connector = LinkedServiceCollectionExtensions.ConnectorName;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        registry.Connector(Connector).Backlog = store.GetBacklogAsync;
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await WakeablePoll.RunAsync(o.PollInterval, time, signal.WaitAsync, ct => DrainAsync(o, ct), stoppingToken);
    }

    private async Task DrainAsync(LinkedOptions o, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<StepRow> batch;
            try
            {
                batch = await store.ClaimAsync(o.MaxParallelism, o.LeaseDuration, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ClaimFailed(logger, ex);
                return;
            }

            if (batch.Count == 0)
            {
                return;
            }

            await Parallel.ForEachAsync(
                batch,
                new ParallelOptions { MaxDegreeOfParallelism = o.MaxParallelism },
                async (step, _) => await RunAsync(step, o, stoppingToken));
        }
    }

    private async Task RunAsync(StepRow claimed, LinkedOptions o, CancellationToken stoppingToken)
    {
        // Give up before the lease ends, so no other instance can be running the step while this one still is.
        using var budget = new CancellationTokenSource(o.LeaseDuration * 0.9, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, budget.Token);
        try
        {
            var loaded = await store.GetAsync(claimed.ProcessId, linked.Token)
                ?? throw new InvalidOperationException("The process of a claimed step is gone.");
            var (process, steps) = loaded;
            var definition = LinkedSteps.Find(process.Kind, claimed.Name)
                ?? throw new InvalidOperationException($"Unknown step {claimed.Name} of a {process.Kind} process.");
            var input = codec.Input(process, steps);
            var subject = definition.Subject(input);
            using var _ = CallerContext.BeginSystemCall("linked:" + process.Client);
            await using var scope = scopes.CreateAsyncScope();
            var client = scope.ServiceProvider.GetRequiredKeyedService<LinkedApiClient>(definition.Upstream);
            var answer = await telemetry.TrackAsync(Connector, claimed.Name, ct => client.PostAsync(definition.Path, definition.Build(input), ct), linked.Token);
            if (answer.Transient)
            {
                await RetryLaterAsync(claimed, o, $"{client.Upstream} answered maLoi 99 (try again later): {answer.Message}", null);
                return;
            }

            if (!answer.Done)
            {
                Audit(claimed, process, subject, "refused");
                await NeedsAttentionAsync(claimed, $"{client.Upstream} từ chối (mã {answer.Code}): {answer.Message ?? "(không có mô tả)"}");
                return;
            }

            JsonObject kept;
            try
            {
                kept = definition.Keep(answer.Body);
            }
            catch (LinkedAnswerException ex)
            {
                await NeedsAttentionAsync(claimed, $"{client.Upstream} answered maLoi {answer.Code} but: {ex.Message}");
                return;
            }

            var now = time.GetUtcNow();
            var result = codec.Protect(kept.ToJsonString(), claimed.Id);
            var note = definition.Note(kept);
            var completed = await store.CompleteAsync(
                claimed,
                result,
                version => new DossierProgress(
                    process.DossierCode, version, "Cổng tích hợp liên thông", null, now, null, note, 4,
                    DateTimeOffset.FromUnixTimeMilliseconds(process.CreatedAt), null),
                CancellationToken.None);
            Audit(claimed, process, subject, answer.Repeat ? "done_repeat" : "done");
            if (completed)
            {
                Log.StepDone(logger, process.Id, claimed.Name, claimed.Attempts, answer.Repeat ? " (the system already had it: 97)" : "");
                signal.Wake();
            }
            else
            {
                Log.StepLeaseLost(logger, process.Id, claimed.Name);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await TryAsync(claimed, () => store.ReleaseAsync(claimed, CancellationToken.None));
        }
        catch (UpstreamException u) when (!u.Transient)
        {
            await NeedsAttentionAsync(claimed, u.Detail ?? u.Title);
        }
        catch (Exception ex)
        {
            var error = ex switch
            {
                UpstreamException u => u.Detail ?? u.Title,
                OperationCanceledException when budget.IsCancellationRequested => "The attempt did not finish within the step's lease.",
                _ => $"{ex.GetType().Name}: {ex.Message}",
            };
            await RetryLaterAsync(claimed, o, error, (ex as UpstreamException)?.RetryAfter);
        }
    }

    private void Audit(StepRow step, ProcessRow process, string? subject, string result) =>
        audit.Record(new AuditRecord(
            "linked." + step.Name,
            Connector,
            result,
            $"lien thong {process.Kind} {process.DossierCode}",
            subject is null ? null : PersonalDataMask.IdNumber(subject),
            subject is null ? null : protector.Hash("subject", subject)));

    private async Task RetryLaterAsync(StepRow claimed, LinkedOptions o, string error, TimeSpan? retryAfter)
    {
        error = PersonalDataMask.Text(error);
        if (claimed.Attempts >= o.MaxAttempts)
        {
            await NeedsAttentionAsync(claimed, $"Gave up after {claimed.Attempts} attempts; last error: {error}");
            return;
        }

        var delay = o.RetryDelay(claimed.Attempts);
        if (retryAfter is { } asked && asked > delay)
        {
            delay = asked < o.RetryMaxDelay ? asked : o.RetryMaxDelay;
        }

        var next = time.GetUtcNow() + delay;
        await TryAsync(claimed, async () =>
        {
            if (await store.FailAsync(claimed, error, permanent: false, next, CancellationToken.None))
            {
                Log.StepRetrying(logger, claimed.ProcessId, claimed.Name, claimed.Attempts, next, error);
            }
            else
            {
                Log.StepLeaseLost(logger, claimed.ProcessId, claimed.Name);
            }
        });
    }

    private async Task NeedsAttentionAsync(StepRow claimed, string error)
    {
        error = PersonalDataMask.Text(error);
        await TryAsync(claimed, async () =>
        {
            if (await store.FailAsync(claimed, error, permanent: true, time.GetUtcNow(), CancellationToken.None))
            {
                Log.StepNeedsAttention(logger, claimed.ProcessId, claimed.Name, error);
            }
            else
            {
                Log.StepLeaseLost(logger, claimed.ProcessId, claimed.Name);
            }
        });
    }

    private async Task TryAsync(StepRow claimed, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (Exception ex)
        {
            Log.StepUpdateFailed(logger, claimed.ProcessId, claimed.Name, ex);
        }
    }
}
