namespace Integration.Core.Monitoring;

/// <summary>What an operator should make of a connector or upstream at a glance.</summary>
public enum ConnectorState
{
    /// <summary>Calls succeed; nothing to do.</summary>
    Healthy,

    /// <summary>Calls mostly succeed but something needs watching: some errors, a circuit testing recovery, a failed probe, a backlog.</summary>
    Degraded,

    /// <summary>Calls fail or fail fast: the circuit is open or isolated, or most recent calls failed.</summary>
    Unhealthy,
}

/// <summary>The rules that turn figures into a state; the README's operations section explains them.</summary>
public static class ConnectorStateRules
{
    /// <summary>Fewer attempts than this in the window say nothing about an error rate.</summary>
    public const int MinimumSamples = 5;

    public static ConnectorState For(UpstreamHealthSnapshot s)
    {
        if (s.Circuit is CircuitStatus.Open or CircuitStatus.Isolated)
        {
            return ConnectorState.Unhealthy;
        }

        var sampled = s.WindowSamples >= MinimumSamples;
        var failingNow = s.LastFailure is { } failure && (s.LastSuccess is null || s.LastSuccess < failure);
        var probeFailedSinceSuccess = s.LastProbe is { Ok: false } p && (s.LastSuccess is null || s.LastSuccess < p.At);

        // A high error rate is unhealthy only while calls still fail: once the upstream answers again
        // it shows as degraded until the failures leave the window.
        if ((sampled && s.WindowErrorRate >= 0.5 && failingNow) || probeFailedSinceSuccess)
        {
            return ConnectorState.Unhealthy;
        }

        if (s.Circuit == CircuitStatus.HalfOpen || (sampled && s.WindowErrorRate >= 0.1) || s.LastProbe is { Ok: false })
        {
            return ConnectorState.Degraded;
        }

        return ConnectorState.Healthy;
    }

    /// <summary>The worst of the upstreams, and at least degraded while the outbox holds dead items.</summary>
    public static ConnectorState For(IEnumerable<ConnectorState> upstreams, BacklogSnapshot? backlog)
    {
        var worst = upstreams.DefaultIfEmpty(ConnectorState.Healthy).Max();
        return backlog is { Dead: > 0 } && worst == ConnectorState.Healthy ? ConnectorState.Degraded : worst;
    }
}
