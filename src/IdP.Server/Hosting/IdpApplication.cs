namespace IdP.Server.Hosting;

public static class IdpApplication
{
    /// <summary>
    /// A builder whose content root is the binary's folder, so appsettings.json and wwwroot/ are found
    /// whatever the working directory (<c>dotnet run --project src/IdP.Server</c> runs from the repository root).
    /// </summary>
    /// <remarks>
    /// ASP.NET Core's slim builder: the same configuration sources (appsettings, environment, command line, user
    /// secrets in Development), host filtering (<c>AllowedHosts</c>), forwarded-headers defaults and console logging as
    /// the default builder, without what IdP never uses and every start loaded: IIS integration, HTTP/3 (QUIC), hosting
    /// startup assemblies and the Debug and EventSource log providers (docs/deployment.md, "Memory"). Kestrel's HTTPS
    /// set-up is added back, so certificates configured under <c>Kestrel:Endpoints</c> work as before.
    /// </remarks>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ServerArguments.Normalize(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        return builder;
    }
}
