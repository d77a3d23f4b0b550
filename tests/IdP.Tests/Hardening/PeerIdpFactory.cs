using System.Net;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Hardening;

/// <summary>
/// An IdP whose test server reports the TCP peer named in the <see cref="PeerHeader"/> request header, so tests can
/// speak as a reverse proxy or as a client (the test server has no real connection, and so no peer address).
/// </summary>
public sealed class PeerIdpFactory(IDictionary<string, string?> settings) : IdpFactory(NewDataDirectory(), settings)
{
    public const string PeerHeader = "X-Test-Peer";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new PeerFilter()));
    }

    /// <summary>A client whose requests arrive from <paramref name="peer"/>, optionally carrying X-Forwarded-For.</summary>
    public HttpClient ClientFrom(string peer, string? forwardedFor = null)
    {
        var client = CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(PeerHeader, peer);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return client;
    }

    private sealed class PeerFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // Runs before IdP's pipeline, as the network would: forwarded headers and the limiter see this peer.
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[PeerHeader].ToString() is { Length: > 0 } peer)
                {
                    context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
