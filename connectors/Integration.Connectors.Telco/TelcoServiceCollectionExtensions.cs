using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Telco;

/// <summary>Composition of the Telco connector.</summary>
public static class TelcoServiceCollectionExtensions
{
    /// <summary>Adds the Telco connector, configured from <paramref name="section"/> (<c>Connectors:Telco</c>).</summary>
    public static IServiceCollection AddTelcoConnector(this IServiceCollection services, IConfiguration section)
    {
        return services;
    }
}
