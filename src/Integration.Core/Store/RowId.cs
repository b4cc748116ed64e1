using System.Buffers.Binary;

namespace Integration.Core.Store;

/// <summary>
/// Ids for the rows the batch writers append (audit, monitoring): laid out like a version-7 UUID (48-bit Unix
/// milliseconds, then random bits), written as 32 lowercase hex digits, so ids sort roughly by time and append
/// at the end of the primary-key index.
/// <para>
/// The random part comes from <see cref="Random.Shared"/> (a per-thread generator the runtime seeds from the
/// operating system once), not from the operating system per id as <see cref="Guid.CreateVersion7()"/> does: that
/// cost a system call on every audited answer. A row id must be unique, not unguessable; 74 random bits per
/// millisecond keep collisions out of reach.
/// </para>
/// </summary>
public static class RowId
{
    public static string New(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        var milliseconds = (ulong)at.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, milliseconds << 16);
        Random.Shared.NextBytes(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
        return Convert.ToHexStringLower(bytes);
    }
}
