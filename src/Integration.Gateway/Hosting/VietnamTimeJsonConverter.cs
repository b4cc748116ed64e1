using System.Text.Json;
using System.Text.Json.Serialization;
using Integration.Core.Hosting;

namespace Integration.Gateway.Hosting;

/// <summary>
/// Writes every time in an answer in Vietnam time (ISO 8601 with <c>+07:00</c>), whichever offset the connector
/// produced it in, so that callers read one convention everywhere (docs/api-conventions.md). Times sent to the
/// gateway may carry any offset.
/// </summary>
internal sealed class VietnamTimeJsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToOffset(VietnamTime.Offset));
}
