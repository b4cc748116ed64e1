using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Integration.Core.Caching;

/// <summary>
/// Lets FusionCache's System.Text.Json serializer write connector values with the connector's own
/// source-generated context (the <see cref="JsonTypeInfo{T}"/> each call passes in), and FusionCache's
/// envelope types by reflection.
/// </summary>
internal sealed class CacheJsonResolver : IJsonTypeInfoResolver
{
    private readonly ConcurrentDictionary<Type, IJsonTypeInfoResolver> _byType = new();
    private readonly DefaultJsonTypeInfoResolver _fallback = new();

    /// <summary>Values of <typeparamref name="T"/> are read and written with <paramref name="typeInfo"/>'s context.</summary>
    public void Register<T>(JsonTypeInfo<T> typeInfo)
    {
        if (!_byType.ContainsKey(typeof(T)) && typeInfo.Options.TypeInfoResolver is { } resolver)
        {
            _byType.TryAdd(typeof(T), resolver);
        }
    }

    public JsonTypeInfo? GetTypeInfo(Type type, JsonSerializerOptions options) =>
        _byType.TryGetValue(type, out var resolver)
            ? resolver.GetTypeInfo(type, options)
            : _fallback.GetTypeInfo(type, options);
}
