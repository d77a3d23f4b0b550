using Microsoft.Extensions.Logging.Console;

namespace IdP.Server.Hosting;

public static class IdpApplication
{
    /// <summary>
    /// A builder whose content root is the binary's folder, so appsettings.json and wwwroot/ are found
    /// whatever the working directory (a service manager's, a shell's, or the project folder <c>dotnet run</c> uses).
    /// </summary>
    /// <remarks>
    /// ASP.NET Core's slim builder: the same configuration sources (appsettings, environment, command line, user
    /// secrets in Development), host filtering (<c>AllowedHosts</c>) and forwarded-headers defaults as the default
    /// builder, without what IdP never uses and every start loaded: IIS integration, HTTP/3 (QUIC), hosting startup
    /// assemblies and the Debug log provider (docs/deployment.md, "Memory"). Added back: Kestrel's HTTPS set-up, so
    /// certificates configured under <c>Kestrel:Endpoints</c> work as before; the EventSource log provider, through
    /// which dotnet-trace and dotnet-monitor collect logs; and <c>Logging:Console</c> bound after the slim builder's
    /// own choice of the simple console format, so a <c>FormatterName</c> set there (json, systemd) wins as before.
    /// </remarks>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ServerArguments.Normalize(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.AddEventSourceLogger();
        builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));
        return builder;
    }
}
