namespace IdP.Server.Hosting;

public static class IdpApplication
{
    /// <summary>
    /// A builder whose content root is the binary's folder, so appsettings.json and wwwroot/ are found
    /// whatever the working directory (<c>dotnet run --project src/IdP.Server</c> runs from the repository root).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
        => WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ServerArguments.Normalize(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
}
