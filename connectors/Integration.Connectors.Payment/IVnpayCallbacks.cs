using Integration.Core.Problems;

namespace Integration.Connectors.Payment;

/// <summary>VNPAY's calls back to the gateway: the IPN (server to server) and the payer's return URL.</summary>
public interface IVnpayCallbacks
{
    /// <summary>
    /// Handles a VNPAY IPN (its <c>vnp_*</c> query parameters), checking in VNPAY's order: signature (97),
    /// order (01), amount (04), already confirmed (02); then settles the payment (00). Never throws: anything
    /// unexpected is answered 99, as VNPAY expects.
    /// </summary>
    Task<VnpayIpnAnswer> HandleIpnAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a VNPAY return URL's parameters for the calling client; <see cref="PaymentError.ReturnNotSigned"/> when
    /// they are not VNPAY's. Changes nothing: only the IPN and the reconciliation settle a payment.
    /// </summary>
    Task<Result<VnpayReturnView, PaymentError>> VerifyReturnAsync(string client, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken);
}
