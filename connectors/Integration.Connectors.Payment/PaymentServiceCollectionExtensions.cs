using Integration.Connectors.Payment.BankNotices;
using Integration.Connectors.Payment.Reconciliation;
using Integration.Connectors.Payment.Store;
using Integration.Connectors.Payment.Vnpay;
using Integration.Core.Http;
using Integration.Core.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Quartz;
using Refit;

namespace Integration.Connectors.Payment;

/// <summary>Composition of the Payment connector.</summary>
public static class PaymentServiceCollectionExtensions
{
    /// <summary>The connector's name, as in <c>Connectors:Payment</c>.</summary>
    public const string ConnectorName = "Payment";

    /// <summary>
    /// Adds the Payment connector, configured from <paramref name="section"/> (<c>Connectors:Payment</c>):
    /// <see cref="IPaymentService"/> (creation with idempotency keys, status, QR image), <see cref="IVnpayCallbacks"/>
    /// (IPN, return URL), <see cref="IBankNoticeService"/> (bank credit notices, flagged money), their store schema,
    /// the VNPAY querydr client (Refit) behind the connector's resilience pipeline, the VNPAY probe and the
    /// reconciliation job.
    /// </summary>
    public static IServiceCollection AddPaymentConnector(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<PaymentOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PaymentOptions>, PaymentOptionsValidator>());
        services.AddConnectorResilience(ConnectorName, section);
        services.AddSingleton(PaymentMigrations.Schema);
        services.AddSingleton(PaymentMigrations.UniqueIdempotencyKey);
        services.AddSingleton(PaymentMigrations.MoneyReportSource);
        services.AddSingleton(PaymentMigrations.ReplayFromPayment);

        services.AddRefitGeneratedClient<IVnpayMerchantApi>(VnpayClient.RefitSettings)
            .ConfigureHttpClient((sp, http) =>
            {
                http.BaseAddress = new Uri(sp.GetRequiredService<IOptions<PaymentOptions>>().Value.Vnpay.ApiUrl);
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddUpstreamResilience(ConnectorName, VnpayClient.Upstream);
        services.TryAddTransient<VnpayClient>();
        services.TryAddSingleton<PaymentStore>();
        services.TryAddSingleton<PaymentCreationHooks>();
        services.TryAddSingleton<IPaymentService, PaymentService>();
        services.TryAddSingleton<IVnpayCallbacks, VnpayCallbacks>();
        services.TryAddSingleton<IBankNoticeService, BankNoticeService>();
        services.TryAddTransient<PaymentReconciler>();
        services.AddSingleton<IConnectorProbe, VnpayProbe>();

        // Every instance registers the same cron: the clustered scheduler keeps one trigger for all of them.
        var schedule = section.GetValue<string>("Reconciliation:Schedule") ?? new ReconciliationOptions().Schedule;
        if (!CronExpression.TryParse(schedule, out _))
        {
            // Options validation stops the host with a message naming the key; keep composition going until then.
            schedule = new ReconciliationOptions().Schedule;
        }

        // The default scheduler is the cluster-wide one (Integration.Core.Jobs.GatewayScheduler).
        services.AddQuartz(q => q.ScheduleJob<PaymentReconciliationJob>(
            trigger => trigger.WithIdentity(PaymentReconciliationJob.Name)
                .WithCronSchedule(schedule, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing)),
            job => job.WithIdentity(PaymentReconciliationJob.Name)));
        return services;
    }
}
