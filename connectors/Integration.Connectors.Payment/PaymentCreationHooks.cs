namespace Integration.Connectors.Payment;

/// <summary>
/// A seam for tests of concurrent creation: <see cref="AfterClaim"/> runs once a request holds its
/// idempotency key and before the payment is written, so a test can keep a request in flight.
/// </summary>
internal sealed class PaymentCreationHooks
{
    public Func<CancellationToken, Task> AfterClaim { get; init; } = static _ => Task.CompletedTask;
}
