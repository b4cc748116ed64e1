using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Integration.Core.Audit;

/// <summary>
/// The audit log's write-ahead file on SQLite: a batch of audit rows is appended here in one write, and the lookups
/// waiting for it are answered once that write returns; the rows reach <c>audit_records</c> afterwards in large
/// transactions (see <see cref="AuditLog"/>). A write that has returned is in the operating system's page cache, as
/// durable as a SQLite commit with <c>synchronous=NORMAL</c> (it survives the gateway's crash, not the machine's loss of
/// power), at a fraction of the cost: one write of the rows' bytes, where each small SQLite transaction rewrote whole
/// 4 KB pages of the table and its index in the WAL, two system calls and a checksum per page.
/// <para>
/// One file per running gateway, <c>&lt;database&gt;.&lt;id&gt;.audit-journal</c> beside the database, held with an
/// exclusive lock while the gateway runs. A file whose lock is free belongs to a gateway that stopped or crashed: the
/// next gateway to start copies the rows it holds that never reached the table, then deletes it (<see cref="Orphans"/>).
/// </para>
/// <para>
/// A record is its payload's length and CRC-32C, then the payload: the row's sequence number in this journal, its time,
/// and its text columns as length-prefixed UTF-8. Reading stops at the first record that is cut short or fails its
/// checksum (a write the crash interrupted, whose lookups were never answered).
/// </para>
/// </summary>
internal sealed class AuditJournal : IDisposable
{
    private const string Extension = ".audit-journal";
    private const int HeaderBytes = 8;

    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private long _end;

    private AuditJournal(FileStream file, string name)
    {
        _file = file;
        Name = name;
    }

    /// <summary>The file's name, which keys its progress in <c>audit_journals</c>.</summary>
    public string Name { get; }

    /// <summary>Bytes in the file.</summary>
    public long Length => _end;

    /// <summary>A new, empty journal for this gateway beside <paramref name="databasePath"/>, locked until disposed.</summary>
    public static AuditJournal Create(string databasePath)
    {
        var path = $"{databasePath}.{Guid.NewGuid():N}{Extension}";
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        return new AuditJournal(file, Path.GetFileName(path));
    }

    /// <summary>
    /// Appends <paramref name="rows"/> (numbered from <paramref name="firstSequence"/>) in one write; when it returns,
    /// they are on their way to the disk in the operating system's cache.
    /// </summary>
    public void Append(IReadOnlyList<AuditLog.Row> rows, long firstSequence)
    {
        _buffer.ResetWrittenCount();
        var sequence = firstSequence;
        foreach (var row in rows)
        {
            Encode(_buffer, row, sequence++);
        }

        RandomAccess.Write(_file.SafeFileHandle, _buffer.WrittenSpan, _end);
        _end += _buffer.WrittenCount;
        if (_buffer.Capacity > 1024 * 1024)
        {
            _buffer.Clear(); // a one-off large batch does not keep its buffer
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>Deletes the file (this gateway stopped with every row in the table).</summary>
    public void DisposeAndDelete()
    {
        var path = _file.Name;
        _file.Dispose();
        File.Delete(path);
    }

    /// <summary>
    /// The journals beside <paramref name="databasePath"/> that no running gateway holds, each opened and locked (the
    /// caller copies what they hold, then deletes them). A journal still held is skipped.
    /// </summary>
    public static IEnumerable<(string Name, FileStream File)> Orphans(string databasePath)
    {
        var directory = Path.GetDirectoryName(databasePath);
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(directory, Path.GetFileName(databasePath) + ".*" + Extension))
        {
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            }
            catch (IOException)
            {
                continue; // held: its gateway is running
            }

            yield return (Path.GetFileName(path), file);
        }
    }

    /// <summary>The rows of a journal file, in order, up to the first record that is incomplete or damaged.</summary>
    public static List<(long Sequence, AuditLog.Row Row)> Read(FileStream file)
    {
        var bytes = new byte[file.Length];
        var read = RandomAccess.Read(file.SafeFileHandle, bytes, 0);
        var rows = new List<(long, AuditLog.Row)>();
        var data = bytes.AsSpan(0, read);
        while (data.Length >= HeaderBytes)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(data);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            if (length < 16 || length > data.Length - HeaderBytes)
            {
                break;
            }

            var payload = data.Slice(HeaderBytes, length);
            if (Crc32C(payload) != crc || !TryDecode(payload, out var sequence, out var row))
            {
                break;
            }

            rows.Add((sequence, row));
            data = data[(HeaderBytes + length)..];
        }

        return rows;
    }

    private static void Encode(ArrayBufferWriter<byte> buffer, AuditLog.Row row, long sequence)
    {
        var size = HeaderBytes + 16 + Size(row.Id) + Size(row.Client) + Size(row.Action) + Size(row.Connector) + Size(row.Purpose)
            + Size(row.SubjectMasked) + Size(row.SubjectHash) + Size(row.Result) + Size(row.TraceId);
        var span = buffer.GetSpan(size)[..size];
        var payload = span[HeaderBytes..];
        BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], row.At);
        var at = 16;
        foreach (var text in (ReadOnlySpan<string?>)[row.Id, row.Client, row.Action, row.Connector, row.Purpose, row.SubjectMasked, row.SubjectHash, row.Result, row.TraceId])
        {
            at += Write(payload[at..], text);
        }

        BinaryPrimitives.WriteInt32LittleEndian(span, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32C(payload));
        buffer.Advance(size);
    }

    private static int Size(string? text) => 4 + (text is null ? 0 : Encoding.UTF8.GetByteCount(text));

    private static int Write(Span<byte> target, string? text)
    {
        if (text is null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(target, -1);
            return 4;
        }

        var written = Encoding.UTF8.GetBytes(text, target[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(target, written);
        return 4 + written;
    }

    private static bool TryDecode(ReadOnlySpan<byte> payload, out long sequence, out AuditLog.Row row)
    {
        sequence = BinaryPrimitives.ReadInt64LittleEndian(payload);
        var at = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        var texts = new string?[9];
        var offset = 16;
        for (var i = 0; i < texts.Length; i++)
        {
            if (payload.Length - offset < 4)
            {
                row = null!;
                return false;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(payload[offset..]);
            offset += 4;
            if (length < -1 || length > payload.Length - offset)
            {
                row = null!;
                return false;
            }

            texts[i] = length < 0 ? null : Encoding.UTF8.GetString(payload.Slice(offset, length));
            offset += Math.Max(0, length);
        }

        if (texts[0] is null || texts[1] is null || texts[2] is null || texts[3] is null || texts[7] is null)
        {
            row = null!;
            return false;
        }

        row = new AuditLog.Row(texts[0]!, at, texts[1]!, texts[2]!, texts[3]!, texts[4], texts[5], texts[6], texts[7]!, texts[8]);
        return true;
    }

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}
