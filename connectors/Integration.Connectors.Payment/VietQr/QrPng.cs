using QRCoder;

namespace Integration.Connectors.Payment.VietQr;

/// <summary>Renders a payload as a PNG QR code (QRCoder's dependency-free PNG writer).</summary>
internal static class QrPng
{
    public static byte[] Render(string payload, int pixelsPerModule = 8)
    {
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }
}
