using Microsoft.Extensions.Options;

namespace Integration.Core.Outbox;

/// <summary>The store-and-forward outbox (<c>Outbox</c> section): how often it polls, how it retries, when it gives up.</summary>
public sealed class OutboxOptions
{
    public const string SectionName = "Outbox";

    /// <summary>How often the dispatcher looks for due items when nothing wakes it earlier (an enqueue or a requeue does).</summary>
    /// <value>5 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Items claimed at once.</summary>
    /// <value>50.</value>
    public int BatchSize { get; set; } = 50;

    /// <summary>Items of a batch sent in parallel (never two of one key).</summary>
    /// <value>4.</value>
    public int MaxParallelism { get; set; } = 4;

    /// <summary>
    /// How long a claim holds. A dispatcher stops waiting for the upstream before its lease ends; an instance
    /// that dies mid-send leaves the item to be claimed again after it. Keep it above the handler's time
    /// budget (the connector's total timeout, times the calls one item needs: the portal's worst case is
    /// five calls of 30 seconds).
    /// </summary>
    /// <value>5 minutes.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Attempts before an item that keeps failing transiently goes dead.</summary>
    /// <value>20: with the default delays an item survives about 11 hours of upstream outage before it goes dead.</value>
    public int MaxAttempts { get; set; } = 20;

    /// <summary>Delay after the first transient failure; doubled after each further one.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of the delay between attempts.</summary>
    /// <value>1 hour.</value>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The delay before attempt <paramref name="attempts"/> + 1, after <paramref name="attempts"/> failures.</summary>
    public TimeSpan RetryDelay(long attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var ticks = RetryBaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= RetryMaxDelay.Ticks ? RetryMaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>Checks <see cref="OutboxOptions"/> at start; messages name the configuration key.</summary>
internal sealed class OutboxOptionsValidator : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions o)
    {
        const string p = OutboxOptions.SectionName + ":";
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        Require(o.PollInterval >= TimeSpan.FromMilliseconds(10) && o.PollInterval <= TimeSpan.FromHours(1), $"{p}PollInterval ({o.PollInterval}) must be between 00:00:00.010 and 01:00:00.");
        Require(o.BatchSize is >= 1 and <= 1000, $"{p}BatchSize ({o.BatchSize}) must be between 1 and 1000.");
        Require(o.MaxParallelism is >= 1 and <= 64, $"{p}MaxParallelism ({o.MaxParallelism}) must be between 1 and 64.");
        Require(o.LeaseDuration >= TimeSpan.FromSeconds(1) && o.LeaseDuration <= TimeSpan.FromHours(6), $"{p}LeaseDuration ({o.LeaseDuration}) must be between 00:00:01 and 06:00:00.");
        Require(o.MaxAttempts is >= 1 and <= 1000, $"{p}MaxAttempts ({o.MaxAttempts}) must be between 1 and 1000.");
        Require(o.RetryBaseDelay >= TimeSpan.FromMilliseconds(10) && o.RetryBaseDelay <= TimeSpan.FromHours(1), $"{p}RetryBaseDelay ({o.RetryBaseDelay}) must be between 00:00:00.010 and 01:00:00.");
        Require(o.RetryMaxDelay >= o.RetryBaseDelay && o.RetryMaxDelay <= TimeSpan.FromDays(1), $"{p}RetryMaxDelay ({o.RetryMaxDelay}) must be between {p}RetryBaseDelay ({o.RetryBaseDelay}) and 1.00:00:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
