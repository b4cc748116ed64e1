using System.Net;
using System.Net.Sockets;

namespace Integration.Testing.Servers;

/// <summary>Finds a TCP port on the loopback interface that is free right now.</summary>
public static class FreePort
{
    /// <summary>
    /// Binds a listener on 127.0.0.1:0, reads the port the kernel chose and releases it.
    /// Another process can take the port before the caller binds it, so servers started on it
    /// retry with a new port when the bind fails.
    /// </summary>
    public static int Get()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
