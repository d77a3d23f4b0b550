using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Text;
using System.Text.Json;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Hosting;

/// <summary>
/// IdP serving HTTPS itself, with no proxy in front: the built binary, a certificate and key in PEM files named under
/// <c>Kestrel:Endpoints</c>, and real TLS handshakes from a client that trusts exactly that certificate.
/// </summary>
public sealed class KestrelHttpsTests : IDisposable
{
    // Holds a private key: removed after the test, whatever its outcome.
    private readonly string _certificateDirectory = Directory.CreateTempSubdirectory("idp-tls").FullName;

    public void Dispose() => Directory.Delete(_certificateDirectory, recursive: true);

    [Fact]
    public async Task with_a_certificate_under_kestrel_endpoints_idp_serves_https_itself_and_refuses_protocol_requests_over_plain_http()
    {
        // Arrange: a client-credentials client, a certificate for localhost, and the two endpoints an operator would
        // configure (plain HTTP kept for the health checks of a process manager on the same host).
        using var cli = new AdminCli();
        var added = (await cli.RunAsync("clients", "add", "svc", "--grant", "client_credentials", "--json")).EnsureSuccess();
        var secret = added.Json.GetProperty("secret").GetString()!;
        var certificateDirectory = _certificateDirectory;
        using var certificate = LocalhostCertificate.WritePem(certificateDirectory);
        var (httpPort, httpsPort) = (IdpProcess.FreePort(), IdpProcess.FreePort());
        var issuer = $"https://localhost:{httpsPort}/";

        var settings = new Dictionary<string, string?>(TestDatabase.SettingsFor(cli.DataDirectory))
        {
            ["Server:Issuer"] = issuer,
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel:Endpoints:Https:Url"] = $"https://127.0.0.1:{httpsPort}",
            ["Kestrel:Endpoints:Https:Certificate:Path"] = Path.Combine(certificateDirectory, "cert.pem"),
            ["Kestrel:Endpoints:Https:Certificate:KeyPath"] = Path.Combine(certificateDirectory, "key.pem"),
        };
        await using var idp = IdpProcess.Start("IdP with its own TLS", settings, port: httpPort);
        await idp.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));

        var presented = new List<string>();
        using var https = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                // Pinned, as a client trusts the CA that issued the server's certificate.
                RemoteCertificateValidationCallback = (_, serverCertificate, _, _) =>
                {
                    lock (presented)
                    {
                        presented.Add(serverCertificate?.GetCertHashString() ?? "none");
                    }

                    return serverCertificate?.GetCertHashString() == certificate.GetCertHashString();
                },
            },
        })
        { BaseAddress = new Uri($"https://127.0.0.1:{httpsPort}") };

        // Kestrel binds the endpoints one after the other, and the plain one may answer before the TLS one listens.
        await WaitUntilListeningAsync(https);

        // Act: discovery, then a client-credentials grant, over TLS.
        // The public host name an operator would use: ASP.NET Core sends no HSTS to localhost or a loopback address.
        using var discoveryRequest = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        discoveryRequest.Headers.Host = "idp.example.com";
        using var discovery = await https.SendAsync(discoveryRequest);
        var document = JsonDocument.Parse(await discovery.Content.ReadAsStringAsync()).RootElement;
        using var grant = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        grant.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("svc:" + secret)));
        using var granted = await https.SendAsync(grant);
        var token = JsonDocument.Parse(await granted.Content.ReadAsStringAsync()).RootElement;

        // Assert: IdP presented the configured certificate, and everything it says about itself is https.
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        Assert.NotEmpty(presented);
        Assert.All(presented, hash => Assert.Equal(certificate.GetCertHashString(), hash));
        Assert.Equal(issuer, document.GetProperty("issuer").GetString());
        Assert.Equal(issuer + "connect/token", document.GetProperty("token_endpoint").GetString());
        Assert.True(discovery.Headers.Contains("Strict-Transport-Security"), "HSTS is sent on HTTPS responses.");
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(https), token.GetProperty("access_token").GetString()!, "at+jwt", issuer: issuer);

        // The plain-HTTP endpoint answers health checks, but discovery and a token request over it are refused
        // (Server:RequireHttps; RFC 6749 §3.2: the token endpoint requires TLS), with a protocol error and no token.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        using var plainGrant = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials")]),
        };
        plainGrant.Headers.Authorization = grant.Headers.Authorization;
        using var refused = await http.SendAsync(plainGrant);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.False(error.TryGetProperty("access_token", out _));
        using var plainDiscovery = await http.GetAsync("/.well-known/openid-configuration");
        Assert.Equal(HttpStatusCode.BadRequest, plainDiscovery.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await plainDiscovery.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    private static async Task WaitUntilListeningAsync(HttpClient https)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var ready = await https.GetAsync("/health/ready");
                return;
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }
}
