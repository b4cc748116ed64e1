using Integration.Core.Http;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Linked;

/// <summary>Linked procedures (<c>Connectors:Linked</c>): the four national systems, the LGSP token, and how steps are retried.</summary>
public sealed class LinkedOptions
{
    /// <summary>
    /// The LGSP token endpoint and the gateway's client credentials (<c>Connectors:Linked:Lgsp</c>: <c>BaseUrl</c>,
    /// e.g. <c>http://127.0.0.1:9090/lgsp</c>, the token being requested at <c>{BaseUrl}/token</c>; <c>ClientId</c>;
    /// <c>ClientSecret</c>, from the environment or a secret store; <c>RefreshBeforeExpiry</c>, 1 minute). Required.
    /// </summary>
    public ClientCredentialsOptions Lgsp { get; set; } = new();

    /// <summary>Civil registry (hộ tịch): birth and death registration. Required.</summary>
    public LinkedUpstreamOptions CivilRegistry { get; set; } = new();

    /// <summary>Residence (cư trú): permanent residence registration and removal. Required.</summary>
    public LinkedUpstreamOptions Residence { get; set; } = new();

    /// <summary>Social insurance (BHXH): health-insurance cards for children under 6. Required.</summary>
    public LinkedUpstreamOptions SocialInsurance { get; set; } = new();

    /// <summary>Social affairs (trợ cấp): the funeral allowance. Required.</summary>
    public LinkedUpstreamOptions SocialAffairs { get; set; } = new();

    /// <summary>How often the worker looks for due steps when nothing wakes it earlier (a creation, a finished step, a retry does).</summary>
    /// <value>5 seconds.</value>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a claimed step is held by one instance. An instance that dies mid-step leaves it to be
    /// claimed again after this; keep it above the connector's total timeout plus a token request.
    /// </summary>
    /// <value>2 minutes.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Steps run at once by one instance.</summary>
    /// <value>8.</value>
    public int MaxParallelism { get; set; } = 8;

    /// <summary>Delay after a step's first transient failure; doubled after each further one.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound of the delay between a step's attempts.</summary>
    /// <value>30 minutes.</value>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts after which a step that keeps failing transiently stops and needs an officer.</summary>
    /// <value>30: with the default delays about 12 hours of outage.</value>
    public int MaxAttempts { get; set; } = 30;

    internal TimeSpan RetryDelay(long attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var delay = RetryBaseDelay * Math.Pow(2, exponent);
        return delay < RetryMaxDelay ? delay : RetryMaxDelay;
    }
}

/// <summary>One national system (<c>Connectors:Linked:&lt;System&gt;</c>).</summary>
public sealed class LinkedUpstreamOptions
{
    /// <summary>The system's base URL through the integration platform (may carry a path prefix). Required.</summary>
    public string BaseUrl { get; set; } = "";
}

/// <summary>Checks <see cref="LinkedOptions"/> at start; every message names its key.</summary>
internal sealed class LinkedOptionsValidator : IValidateOptions<LinkedOptions>
{
    private const string P = "Connectors:Linked:";

    public ValidateOptionsResult Validate(string? name, LinkedOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }

        void Url(string key, string value) => Require(
            Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https",
            $"{P}{key} must be an absolute http(s) URL (is '{value}').");

        Url("Lgsp:BaseUrl", o.Lgsp.BaseUrl);
        Require(!string.IsNullOrWhiteSpace(o.Lgsp.ClientId), $"{P}Lgsp:ClientId is required.");
        Require(!string.IsNullOrWhiteSpace(o.Lgsp.ClientSecret), $"{P}Lgsp:ClientSecret is required.");
        Require(o.Lgsp.RefreshBeforeExpiry >= TimeSpan.Zero, $"{P}Lgsp:RefreshBeforeExpiry ({o.Lgsp.RefreshBeforeExpiry}) must not be negative.");
        Url("CivilRegistry:BaseUrl", o.CivilRegistry.BaseUrl);
        Url("Residence:BaseUrl", o.Residence.BaseUrl);
        Url("SocialInsurance:BaseUrl", o.SocialInsurance.BaseUrl);
        Url("SocialAffairs:BaseUrl", o.SocialAffairs.BaseUrl);
        Require(o.PollInterval > TimeSpan.Zero && o.PollInterval <= TimeSpan.FromHours(1), $"{P}PollInterval ({o.PollInterval}) must be above 00:00:00 and at most 01:00:00.");
        Require(o.LeaseDuration >= TimeSpan.FromSeconds(1), $"{P}LeaseDuration ({o.LeaseDuration}) must be at least 00:00:01.");
        Require(o.MaxParallelism is >= 1 and <= 64, $"{P}MaxParallelism ({o.MaxParallelism}) must be between 1 and 64.");
        Require(o.RetryBaseDelay > TimeSpan.Zero, $"{P}RetryBaseDelay ({o.RetryBaseDelay}) must be above 00:00:00.");
        Require(o.RetryMaxDelay >= o.RetryBaseDelay, $"{P}RetryMaxDelay ({o.RetryMaxDelay}) must not be below {P}RetryBaseDelay ({o.RetryBaseDelay}).");
        Require(o.MaxAttempts is >= 1 and <= 1000, $"{P}MaxAttempts ({o.MaxAttempts}) must be between 1 and 1000.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
