using System.Text;

namespace Integration.Connectors.Payment.VietQr;

/// <summary>CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR (check value of <c>123456789</c>: 0x29B1).</summary>
internal static class Crc16CcittFalse
{
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc;
    }

    /// <summary>The CRC of the ASCII text as four upper-case hex digits, as EMVCo field 63 carries it.</summary>
    public static string Hex(string ascii) => Compute(Encoding.ASCII.GetBytes(ascii)).ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
}
