using System.Net;
using IdP.Server.Protocol;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting.Security;

/// <summary>Response headers, cookie flags and which proxies are believed about the client's address and scheme.</summary>
public static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddIdpSecurity(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<IdpServerOptions>>((forwarded, server) =>
        {
            // Not X-Forwarded-Host: the issuer and every URL IdP issues come from Server:Issuer, never from the request.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; IdP trusts only what the operator names.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in server.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in server.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });

        services.AddOptions<HstsOptions>().Configure<IOptions<IdpServerOptions>>((hsts, server) =>
        {
            hsts.MaxAge = server.Value.HstsMaxAge;
            // No includeSubDomains or preload: sibling hosts of the IdP are not the IdP's to decide.
            hsts.IncludeSubDomains = false;
            hsts.Preload = false;
        });

        // Every cookie IdP sets (session, pending second factor, Identity's passkey ceremony state, antiforgery):
        // Secure whenever HTTPS is required, never readable by scripts.
        services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, SecureCookies>();
        services.Configure<AntiforgeryOptions>(antiforgery =>
        {
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict; // only IdP's own pages post IdP's forms
            // SameAsRequest, not Always: with Always, antiforgery throws on any plain-HTTP request, so a TLS-terminating
            // proxy not listed in Server:KnownProxies would turn every page into a 500. It holds no secret on its own.
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

        return services;
    }

    /// <summary>Forwarded headers first (every later step sees the real client), then headers on every response.</summary>
    public static IApplicationBuilder UseIdpForwardedHeaders(this IApplicationBuilder app)
        // With both lists empty the middleware would believe every peer, so with no proxy configured it is skipped.
        // Decided per request: reading options while the pipeline is composed would bypass start-up validation's message.
        => app.UseWhen(
            context => context.RequestServices.GetRequiredService<IOptions<IdpServerOptions>>().Value is var server
                       && server.KnownProxies.Length + server.KnownNetworks.Length > 0,
            branch => branch.UseForwardedHeaders());

    /// <summary>
    /// After the exception handler, which clears headers when it re-executes: the error page gets them too.
    /// The page-only Content-Security-Policy is added by <see cref="ContentSecurityPolicyFilter"/>.
    /// </summary>
    public static IApplicationBuilder UseIdpSecurityHeaders(this IApplicationBuilder app, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment())
        {
            app.UseHsts(); // only answers HTTPS requests (a trusted proxy's X-Forwarded-Proto counts)
        }

        return app.Use((context, next) =>
        {
            ApplyBaseHeaders(context.Response.Headers);
            return next(context);
        });
    }

    /// <summary>
    /// The headers every response carries. Also applied by the exception handlers that answer themselves
    /// (DatabaseOutageHandler, MalformedRequestHandler): the exception middleware clears headers before they run.
    /// </summary>
    public static void ApplyBaseHeaders(IHeaderDictionary headers)
    {
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer"; // codes and state in URLs never leak to other sites
        headers.XFrameOptions = "DENY"; // frame-ancestors 'none' for browsers without CSP, and for non-page responses
    }

    private sealed class SecureCookies(IOptions<IdpServerOptions> server) : IPostConfigureOptions<CookieAuthenticationOptions>
    {
        public void PostConfigure(string? name, CookieAuthenticationOptions options)
        {
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = server.Value.RequireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        }
    }
}
