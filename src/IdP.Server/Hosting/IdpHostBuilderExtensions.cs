using IdP.Server.Accounts;
using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Health;
using IdP.Server.Housekeeping;
using IdP.Server.Hosting.RateLimits;
using IdP.Server.Hosting.Security;
using IdP.Server.Keys;
using IdP.Server.Mainframe.Mapper;
using IdP.Server.Mfa;
using IdP.Server.Mfa.Passkeys;
using IdP.Server.Observability;
using IdP.Server.Protocol;
using Microsoft.AspNetCore.DataProtection;

namespace IdP.Server.Hosting;

public static class IdpHostBuilderExtensions
{
    /// <summary>Everything IdP needs, feature by feature.</summary>
    public static WebApplicationBuilder ConfigureIdpServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // First: hosted services start in registration order, and the database must be migrated before
        // anything (Data Protection's key ring, OpenIddict) reads it.
        services.AddSingleton<StartupBanner>();
        services.AddHostedService<StartupInitializer>();
        services.AddHostedService<StartupMemoryRelease>();

        services.AddSingleton(TimeProvider.System);
        services.AddIdpDatabase(configuration);
        services.AddIdpAccounts(configuration);
        services.AddIdpMfa(configuration);
        services.AddIdpKeys(configuration);
        services.AddIdpProtocol(configuration);
        services.AddSingleton<Mfa.Passkeys.IPasskeyCloneDetectionSink, Mfa.Passkeys.AuditingPasskeyCloneSink>();
        services.AddIdpPasskeys(configuration);
        services.AddIdpProtocolEndpoints();
        services.AddIdpAdministration(configuration);
        services.AddIdpMapper(configuration);
        services.AddIdpHousekeeping(configuration);
        services.AddIdpHealthChecks();
        services.AddIdpObservability(configuration);
        services.AddIdpSecurity();
        services.AddIdpRateLimits(configuration);
        services.AddExceptionHandler<DatabaseOutageHandler>();
        services.AddExceptionHandler<MalformedRequestHandler>();

        // Data Protection keys live in the database, so every instance can read cookies and protected keys.
        services.AddIdpDataProtection(configuration);

        services.AddRazorPages(options =>
        {
            // Pages live in their feature folders and declare absolute routes (@page "/account/login").
            options.RootDirectory = "/";
            options.Conventions.ConfigureFilter(new ContentSecurityPolicyFilter());
        });

        return builder;
    }

    /// <summary>The request pipeline.</summary>
    public static WebApplication ConfigureIdpPipeline(this WebApplication app)
    {
        // First: everything after it (limits, audit log, HSTS, Secure cookies) sees the client a trusted proxy reports.
        app.UseIdpForwardedHeaders();

        // Never a stack trace: a database outage gets 503 (DatabaseOutageHandler); anything else the error page,
        // which answers protocol paths with an RFC 6749 server_error in JSON.
        app.UseExceptionHandler("/error");
        app.UseStatusCodePagesWithReExecute("/error", "?status={0}");
        app.UseNoStatusCodePagesForMachines();

        app.UseIdpSecurityHeaders(app.Environment);

        // Before static files and routing: a scrape (Metrics:Path, allowed callers only) is answered here.
        app.UseIdpMetrics();

        // Its own branch: the gateway calls it on every request it maps, and nothing below concerns it.
        app.UseIdpMapper();

        app.UseStaticFiles();
        app.UseRouting();
        // Before authentication: OpenIddict answers /connect/token inside it.
        app.UseIdpRateLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapIdpHealthChecks();
        app.MapRazorPages();
        app.MapIdpProtocolEndpoints();
        app.MapIdpGatewayJwks();
        app.MapIdpPasskeyEndpoints();
        return app;
    }
}
