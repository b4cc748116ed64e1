using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Identity;

/// <summary>Composition of the Identity connector.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>Adds the Identity connector, configured from <paramref name="section"/> (<c>Connectors:Identity</c>).</summary>
    public static IServiceCollection AddIdentityConnector(this IServiceCollection services, IConfiguration section)
    {
        return services;
    }
}
