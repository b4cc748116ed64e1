using System.Text.Json.Serialization;
using Integration.Connectors.Telco.Carriers;
using Integration.Connectors.Telco.Portability;

namespace Integration.Connectors.Telco;

/// <summary>What the connector sends to and reads from its upstreams, and what it keeps in the cache.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(MnpNumber))]
[JsonSerializable(typeof(NumberRoute))]
[JsonSerializable(typeof(ViettelOwnershipRequest))]
[JsonSerializable(typeof(ViettelOwnershipResponse))]
[JsonSerializable(typeof(VnptOwnershipResponse))]
[JsonSerializable(typeof(CarrierAnswer))]
internal sealed partial class TelcoJsonContext : JsonSerializerContext;
