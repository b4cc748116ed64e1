using System.Text.Json.Serialization;
using Integration.Connectors.Identity.Citizens;
using Integration.Connectors.Identity.VneId;

namespace Integration.Connectors.Identity;

/// <summary>The JSON the connector reads from its upstreams and keeps (cache values, sealed tickets).</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(C06Answer))]
[JsonSerializable(typeof(VneIdTokenResponse))]
[JsonSerializable(typeof(VneIdUserInfo))]
[JsonSerializable(typeof(VneIdProfile))]
internal sealed partial class IdentityJsonContext : JsonSerializerContext;
