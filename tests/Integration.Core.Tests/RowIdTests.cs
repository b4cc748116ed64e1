using Integration.Core.Store;

namespace Integration.Core.Tests;

/// <summary>Audit and monitoring row ids: version-7 layout, lowercase hex, ordered by their millisecond, unique.</summary>
public sealed class RowIdTests
{
    [Fact]
    public void New_IsAVersion7UuidInHexWithTheMillisecondInFront()
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_764_500_000_123);

        var id = RowId.New(at);

        Assert.Matches("^[0-9a-f]{32}$", id);
        var guid = Guid.ParseExact(id, "N");
        Assert.Equal(7, guid.Version);
        Assert.Equal(0x8, guid.Variant & 0xC);
        Assert.Equal(at.ToUnixTimeMilliseconds(), Convert.ToInt64(id[..12], 16));
    }

    [Fact]
    public void New_LaterMillisecondsSortAfterEarlierOnes_AndIdsDoNotRepeat()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_764_500_000_000);
        var ids = Enumerable.Range(0, 2000).Select(i => RowId.New(start.AddMilliseconds(i / 100))).ToList();

        Assert.Equal(ids.Count, ids.Distinct().Count());
        for (var i = 100; i < ids.Count; i += 100)
        {
            Assert.True(string.CompareOrdinal(ids[i - 1], ids[i]) < 0, $"{ids[i - 1]} sorts before {ids[i]}");
        }
    }
}
