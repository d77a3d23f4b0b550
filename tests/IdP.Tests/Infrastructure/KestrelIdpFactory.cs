namespace IdP.Tests.Infrastructure;

/// <summary>
/// The same IdP as <see cref="IdpFactory"/>, but served by real Kestrel on a free loopback port, so an
/// out-of-process client (a real browser) can reach it over TCP. <see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/>
/// then returns plain HTTP clients pointed at that port.
/// </summary>
/// <remarks>
/// The issuer stays <see cref="IdpFactory.Issuer"/>: it is fixed by configuration and never taken from the Host
/// header, so tokens verify with <see cref="TokenVerifier"/> whichever port Kestrel picked.
/// </remarks>
public sealed class KestrelIdpFactory : IdpFactory
{
    public KestrelIdpFactory()
    {
        // Port 0: the OS picks a free port; WebApplicationFactory binds it on 127.0.0.1 only.
        UseKestrel(0);
    }

    /// <summary>Where Kestrel listens, e.g. <c>http://127.0.0.1:41234/</c> (starts the server on first use).</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var address = ClientOptions.BaseAddress;
            if (!address.IsLoopback || address.Port is 0 or 80)
            {
                throw new InvalidOperationException($"Kestrel did not report the port it is listening on (got {address}).");
            }

            return address;
        }
    }

    /// <summary>An absolute URL on this server for a path such as <c>/connect/authorize?...</c>.</summary>
    public string Url(string pathAndQuery) => new Uri(BaseAddress, pathAndQuery).ToString();
}
