namespace Integration.Testing;

/// <summary>Where tests' <c>FakeTimeProvider</c>s start unless a test needs another moment.</summary>
public static class TestClock
{
    /// <summary>2026-11-25 03:00 UTC, 10:00 in Vietnam: a working morning.</summary>
    public static readonly DateTimeOffset Start = new(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);
}
