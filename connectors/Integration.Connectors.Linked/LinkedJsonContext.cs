using System.Text.Json;
using System.Text.Json.Serialization;

namespace Integration.Connectors.Linked;

/// <summary>The stored form of a linked request (camelCase, as callers send it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LinkedBirthRequest))]
[JsonSerializable(typeof(LinkedDeathRequest))]
internal sealed partial class LinkedJsonContext : JsonSerializerContext;
