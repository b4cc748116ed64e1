using Microsoft.Extensions.Options;

namespace Integration.Core.Resilience;

/// <summary>
/// Checks each connector's pipeline options at start. Messages name the configuration key, so a
/// wrong value stops the host with something an operator can act on. The cross-property rules are
/// those of Microsoft.Extensions.Http.Resilience's HttpStandardResilienceOptionsCustomValidator.
/// </summary>
internal sealed class ConnectorResilienceOptionsValidator : IValidateOptions<ConnectorResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectorResilienceOptions o)
    {
        var prefix = $"Connectors:{name}:Resilience:";
        var errors = new List<string>();
        void Require(bool ok, string key, string rule, object value)
        {
            if (!ok)
            {
                errors.Add($"{prefix}{key} ({value}) {rule}.");
            }
        }

        Require(o.TotalTimeout >= TimeSpan.FromMilliseconds(10) && o.TotalTimeout <= TimeSpan.FromHours(1), nameof(o.TotalTimeout), "must be between 00:00:00.010 and 01:00:00", o.TotalTimeout);
        Require(o.AttemptTimeout >= TimeSpan.FromMilliseconds(10) && o.AttemptTimeout <= TimeSpan.FromHours(1), nameof(o.AttemptTimeout), "must be between 00:00:00.010 and 01:00:00", o.AttemptTimeout);
        Require(o.AttemptTimeout <= o.TotalTimeout, nameof(o.AttemptTimeout), $"must not exceed {prefix}TotalTimeout ({o.TotalTimeout})", o.AttemptTimeout);
        Require(o.MaxRetryAttempts is >= 0 and <= 10, nameof(o.MaxRetryAttempts), "must be between 0 and 10", o.MaxRetryAttempts);
        Require(o.RetryDelay >= TimeSpan.Zero && o.RetryDelay <= TimeSpan.FromMinutes(5), nameof(o.RetryDelay), "must be between 00:00:00 and 00:05:00", o.RetryDelay);
        Require(o.RetryMaxDelay >= o.RetryDelay, nameof(o.RetryMaxDelay), $"must not be below {prefix}RetryDelay ({o.RetryDelay})", o.RetryMaxDelay);
        Require(o.FailureRatio > 0 && o.FailureRatio <= 1, nameof(o.FailureRatio), "must be above 0 and at most 1", o.FailureRatio);
        Require(o.MinimumThroughput >= 2, nameof(o.MinimumThroughput), "must be at least 2", o.MinimumThroughput);
        Require(o.BreakDuration >= TimeSpan.FromMilliseconds(500) && o.BreakDuration <= TimeSpan.FromDays(1), nameof(o.BreakDuration), "must be between 00:00:00.500 and 1.00:00:00", o.BreakDuration);
        Require(o.SamplingDuration >= TimeSpan.FromMilliseconds(500) && o.SamplingDuration <= TimeSpan.FromDays(1), nameof(o.SamplingDuration), "must be between 00:00:00.500 and 1.00:00:00", o.SamplingDuration);
        Require(o.SamplingDuration >= 2 * o.AttemptTimeout, nameof(o.SamplingDuration), $"must be at least twice {prefix}AttemptTimeout ({o.AttemptTimeout})", o.SamplingDuration);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
