using System.Net;
using System.Net.Sockets;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// IdP on real Kestrel at <c>http://localhost:&lt;port&gt;</c>, with the issuer set to that origin. WebAuthn needs
/// it: a passkey's relying-party ID must be a host name (never an IP address), and the page's origin must be
/// one IdP allows, which it derives from the issuer.
/// </summary>
public sealed class LocalhostKestrelIdpFactory : IdpFactory
{
    public LocalhostKestrelIdpFactory()
        : this(FreeLoopbackPort())
    {
    }

    private LocalhostKestrelIdpFactory(int port)
        : base(NewDataDirectory(), new Dictionary<string, string?> { ["Server:Issuer"] = $"http://localhost:{port}/" })
    {
        Port = port;
        UseKestrel(port);
    }

    public int Port { get; }

    public string IssuerUrl => $"http://localhost:{Port}/";

    /// <summary>An absolute URL on this server, by host name (starts the server on first use).</summary>
    public string Url(string pathAndQuery)
    {
        StartServer();
        return new Uri(new Uri(IssuerUrl), pathAndQuery).ToString();
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
