using IdP.Server.Administration;
using IdP.Server.Hosting;

// One binary: with an admin verb (`users`, `clients`, `scopes`, `keys`, `mappings`, `audit`, `migrate`) it runs that command;
// otherwise it serves. See README.md.
if (AdminCommandLine.IsAdminCommand(args))
{
    return await AdminCommandLine.RunAsync(args, Console.In, Console.Out, Console.Error);
}

var builder = IdpApplication.CreateBuilder(args);
builder.ConfigureIdpServices();
return await ServerArguments.RunAsync(builder, app => app.ConfigureIdpPipeline());

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
