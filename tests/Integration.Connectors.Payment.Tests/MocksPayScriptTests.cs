using System.Diagnostics;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Connectors.Payment.Tests;

/// <summary><c>mocks/pay</c>, the tester's way to pay by hand, against the gateway running as a process.</summary>
public sealed class MocksPayScriptTests
{
    [Fact]
    public async Task Pay_VnpayIpnAndBankNotice_PaymentsBecomePaid()
    {
        using var files = new GatewayFactory();
        var settings = files.BaseSettings();
        settings["Logging:LogLevel:Default"] = "Warning";
        using var gateway = new GatewayProcess(settings);
        await gateway.StartAsync();
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        var vnpay = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VnpayBody(180_000));
        var vietqr = await PaymentTestKit.CreateAsync(client, PaymentTestKit.VietQrBody(50_000));

        var ipn = await RunPayAsync("vnpay", vnpay.Str("reference")!, "180000", "--gateway", gateway.BaseUrl);
        var notice = await RunPayAsync("bank", vietqr.Str("reference")!, "50000", "--gateway", gateway.BaseUrl);
        var tampered = await RunPayAsync("bank", vietqr.Str("reference")!, "50000", "--gateway", gateway.BaseUrl, "--bad-signature");

        Assert.True(ipn.ExitCode == 0, ipn.Output);
        Assert.Contains("\"RspCode\":\"00\"", ipn.Output);
        Assert.True(notice.ExitCode == 0, notice.Output);
        Assert.Contains("\"outcome\":\"paid\"", notice.Output);
        Assert.NotEqual(0, tampered.ExitCode);
        Assert.Contains("invalid_signature", tampered.Output);
        Assert.Equal("paid", (await PaymentTestKit.GetPaymentAsync(client, vnpay.Str("paymentId")!)).Str("status"));
        Assert.Equal("paid", (await PaymentTestKit.GetPaymentAsync(client, vietqr.Str("paymentId")!)).Str("status"));
    }

    private static async Task<(int ExitCode, string Output)> RunPayAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryPaths.Mocks, "pay"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
