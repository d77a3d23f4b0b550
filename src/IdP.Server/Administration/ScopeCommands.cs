using System.CommandLine;

namespace IdP.Server.Administration;

/// <summary><c>scopes add|list</c>: API scopes and the audiences their access tokens are for.</summary>
internal static class ScopeCommands
{
    public static Command Create(CommandContext context) => new("scopes", "Manage API scopes.") { Add(context), List(context) };

    private static Command Add(CommandContext context)
    {
        var name = new Argument<string>("name") { Description = "The scope clients request, e.g. 'api'." };
        var resources = new Option<string[]>("--resource")
        {
            Description = "An audience (aud) of access tokens granted this scope. Repeatable; at least one.",
            HelpName = "audience",
            Required = true,
        };
        var displayName = new Option<string?>("--display-name") { Description = "The name users see on the consent page.", HelpName = "name" };
        var command = new Command("add", "Create an API scope.") { name, resources, displayName };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var scope = await services.GetRequiredService<ScopeAdministration>().AddAsync(
                result.GetRequiredValue(name), result.GetValue(resources) ?? [], result.GetValue(displayName), cancellationToken);
            output.Write(scope, () => output.Line($"Created scope '{scope.Name}' (resources: {CommandOutput.List(scope.Resources)})."));
        }, cancellationToken));
        return command;
    }

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List the API scopes (the built-in openid, profile, email and offline_access are not listed).");
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var scopes = await services.GetRequiredService<ScopeAdministration>().ListAsync(cancellationToken);
            output.Write(scopes, () => output.Table(
                ["NAME", "RESOURCES", "DISPLAY NAME"],
                scopes.Select(s => new[] { s.Name, CommandOutput.List(s.Resources), s.DisplayName }),
                "No API scopes."));
        }, cancellationToken));
        return command;
    }
}
