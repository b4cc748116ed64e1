namespace Integration.Connectors.Telco.Carriers;

/// <summary>
/// What a carrier's ownership service said, in the connector's terms: <see cref="SubscriberOwnership.Owner"/>,
/// <see cref="SubscriberOwnership.NotOwner"/> or <see cref="SubscriberOwnership.Unregistered"/> (no such subscriber).
/// </summary>
internal sealed record CarrierAnswer(SubscriberOwnership Ownership, SubscriberStatus? Status = null);
