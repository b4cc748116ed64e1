using Integration.Core.Indicators;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Integration.Indicators;

/// <summary>Composition of the province indicators.</summary>
public static class IndicatorsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the province indicators, with the agency directory from <paramref name="section"/> (<c>Indicators</c>):
    /// the fact tables (migration <c>7001</c>), the <see cref="IIndicatorFeed"/> the connectors report to (replacing
    /// Core's no-op one) and <see cref="IProvinceIndicators"/>.
    /// </summary>
    public static IServiceCollection AddProvinceIndicators(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<IndicatorsOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IndicatorsOptions>, IndicatorsOptionsValidator>());
        services.AddSingleton(IndicatorMigrations.Schema);
        services.Replace(ServiceDescriptor.Singleton<IIndicatorFeed, IndicatorFeed>());
        services.TryAddSingleton<IProvinceIndicators, ProvinceIndicators>();
        return services;
    }
}
