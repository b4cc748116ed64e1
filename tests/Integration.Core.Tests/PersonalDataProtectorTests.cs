using System.Security.Cryptography;
using System.Text;
using Integration.Core.Privacy;
using Microsoft.Extensions.Options;

namespace Integration.Core.Tests;

/// <summary>
/// Audit rows and cache keys carry keyed hashes that operators compare across restarts, instances and releases:
/// a hash must stay the HMAC-SHA256 the documentation describes, whichever thread computes it and whichever
/// other protector (another key) ran on that thread before.
/// </summary>
public sealed class PersonalDataProtectorTests
{
    private static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] KeyB = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData("subject", "001089012345")]
    [InlineData("Identity:citizen-verify", "001089012345|NGUYỄN VĂN AN|1989-05-12")]
    [InlineData("subject", "")]
    public void Hash_AnyInput_IsTheDocumentedKeyedHash(string purpose, string value)
    {
        var protector = Protector(KeyA);

        Assert.Equal(Expected(KeyA, purpose, value), protector.Hash(purpose, value));
        Assert.Equal(Expected(KeyA, purpose, value), protector.Hash(purpose, value));
    }

    [Fact]
    public void Hash_TwoKeysTakingTurnsOnOneThread_EachGivesItsOwnHash()
    {
        var a = Protector(KeyA);
        var b = Protector(KeyB);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Expected(KeyA, "subject", "001089012345"), a.Hash("subject", "001089012345"));
            Assert.Equal(Expected(KeyB, "subject", "001089012345"), b.Hash("subject", "001089012345"));
        }
    }

    [Fact]
    public async Task Hash_ManyThreadsAtOnce_AllAgree()
    {
        var protector = Protector(KeyA);
        var values = Enumerable.Range(0, 2000).Select(i => $"0010890{i:00000}").ToArray();

        var hashes = await Task.WhenAll(values.Select(v => Task.Run(() => protector.Hash("subject", v))));

        Assert.Equal(values.Select(v => Expected(KeyA, "subject", v)), hashes);
    }

    [Fact]
    public void Hash_LongValue_IsTheDocumentedKeyedHash()
    {
        var value = new string('á', 5000);

        Assert.Equal(Expected(KeyA, "subject", value), Protector(KeyA).Hash("subject", value));
    }

    private static PersonalDataProtector Protector(byte[] key) => new(Options.Create(new PrivacyOptions
    {
        HashKey = Convert.ToBase64String(key),
        EncryptionKey = Convert.ToBase64String(KeyB),
    }));

    /// <summary>docs: the first 20 bytes of HMAC-SHA256(key, UTF-8(purpose + U+001F + value)), base64url without padding.</summary>
    private static string Expected(byte[] key, string purpose, string value) =>
        Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + "\u001f" + value))[..20])
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
