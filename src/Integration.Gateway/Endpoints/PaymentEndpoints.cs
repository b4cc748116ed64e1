namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/payment</c>.</summary>
internal static class PaymentEndpoints
{
    public static IEndpointRouteBuilder MapPaymentEndpoints(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
