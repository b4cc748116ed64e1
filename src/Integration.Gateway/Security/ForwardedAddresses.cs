using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.HttpOverrides;
using IPNetwork = System.Net.IPNetwork;

namespace Integration.Gateway.Security;

/// <summary>
/// The caller's address behind a load balancer: forwarded headers from <c>Gateway:KnownProxies</c>
/// only, and the key a per-address rate limit partitions on.
/// </summary>
internal static class ForwardedAddresses
{
    /// <summary>Parses one <c>Gateway:KnownProxies</c> entry: an address, or a network in CIDR notation.</summary>
    public static bool TryParse(string? value, out IPAddress? address, out IPNetwork? network)
    {
        address = null;
        network = null;
        var text = value?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.Contains('/', StringComparison.Ordinal))
        {
            if (IPNetwork.TryParse(text, out var parsed))
            {
                network = parsed;
                return true;
            }

            return false;
        }

        if (IPAddress.TryParse(text, out var ip))
        {
            address = ip;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Honours <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from the configured proxies only
    /// (not even from loopback unless listed), walking the chain from the nearest hop while each hop is known.
    /// </summary>
    public static void Configure(ForwardedHeadersOptions o, GatewayOptions gateway)
    {
        o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        o.KnownProxies.Clear();
        o.KnownIPNetworks.Clear();
        o.ForwardLimit = null;
        foreach (var entry in gateway.KnownProxies)
        {
            if (TryParse(entry, out var address, out var network))
            {
                if (address is not null)
                {
                    o.KnownProxies.Add(address);
                    if (address.AddressFamily == AddressFamily.InterNetwork)
                    {
                        // Kestrel on a dual-stack socket reports IPv4 peers as IPv4-mapped IPv6.
                        o.KnownProxies.Add(address.MapToIPv6());
                    }
                }
                else
                {
                    o.KnownIPNetworks.Add(network!.Value);
                }
            }
        }
    }

    /// <summary>
    /// The partition of a per-address limit: an IPv4 address as it is, an IPv6 address by its /64
    /// (one subscriber line usually gets a whole /64, and rotates addresses inside it at will).
    /// </summary>
    public static string PartitionKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }
}
