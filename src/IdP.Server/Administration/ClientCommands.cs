using System.CommandLine;
using System.Globalization;
using IdP.Server.Clients;
using Microsoft.Extensions.Options;

namespace IdP.Server.Administration;

/// <summary><c>clients add|list|show|delete|rotate-secret</c>.</summary>
internal static class ClientCommands
{
    private const string SecretWarning = "Store it now: IdP keeps only a hash, so it cannot be shown again.";

    public static Command Create(CommandContext context) => new("clients", "Manage OAuth/OpenID Connect clients (relying parties and services).")
    {
        Add(context), List(context), Show(context), Delete(context), RotateSecret(context),
    };

    private static Argument<string> ClientIdArgument() => new("client-id") { Description = "The client_id." };

    private static Command Add(CommandContext context)
    {
        var options = new ClientAddOptions();
        var command = new Command("add", "Register a client. A confidential client's secret is printed once.");
        options.AddTo(command);
        command.SetAction((result, cancellationToken) =>
        {
            // Arguments are checked before the database is opened, let alone written.
            var spec = options.ToSpec(result);
            return context.RunAsync(result, (services, output) => AddAsync(services, output, spec, cancellationToken), cancellationToken);
        });
        return command;
    }

    private static async Task AddAsync(IServiceProvider services, CommandOutput output, ClientSpec spec, CancellationToken cancellationToken)
    {
        var secret = await services.GetRequiredService<ClientAdministration>().AddAsync(spec, cancellationToken);
        var client = await services.GetRequiredService<ClientAdministration>().GetAsync(spec.ClientId, cancellationToken);

        var json = CommandOutput.ToJsonObject(client);
        json["secret"] = secret;
        output.Write(json, () =>
        {
            output.Line($"Created {client.Type} client '{client.ClientId}' (grants: {CommandOutput.List(client.GrantTypes)}; MFA policy: {client.MfaPolicy}).");
            if (secret is not null)
            {
                output.Line($"Client secret: {secret}");
                output.Line(SecretWarning);
            }
        });
    }

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List all clients.");
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var clients = await services.GetRequiredService<ClientAdministration>().ListAsync(cancellationToken);
            output.Write(clients, () => output.Table(
                ["CLIENT ID", "TYPE", "GRANTS", "SCOPES", "MFA POLICY", "DISPLAY NAME"],
                clients.Select(c => new[] { c.ClientId, c.Type, CommandOutput.List(c.GrantTypes), CommandOutput.List(c.Scopes, " "), c.MfaPolicy, c.DisplayName }),
                "No clients."));
        }, cancellationToken));
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var clientId = ClientIdArgument();
        var command = new Command("show", "Show one client (never its secret).") { clientId };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var client = await services.GetRequiredService<ClientAdministration>().GetAsync(result.GetRequiredValue(clientId), cancellationToken);
            output.Write(client, () => output.Fields(
                ("client id", client.ClientId),
                ("display name", client.DisplayName),
                ("type", client.Type),
                ("consent", client.ConsentType),
                ("require pkce", client.RequirePkce ? "true" : "false"),
                ("grants", CommandOutput.List(client.GrantTypes)),
                ("redirect uris", CommandOutput.List(client.RedirectUris)),
                ("post-logout redirect uris", CommandOutput.List(client.PostLogoutRedirectUris)),
                ("scopes", CommandOutput.List(client.Scopes, " ")),
                ("mfa policy", client.MfaPolicy)));
        }, cancellationToken));
        return command;
    }

    private static Command Delete(CommandContext context)
    {
        var clientId = ClientIdArgument();
        var command = new Command("delete", "Delete a client and its identity mappings; its tokens stop being accepted.") { clientId };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var id = result.GetRequiredValue(clientId);
            var mappingsRemoved = await services.GetRequiredService<ClientAdministration>().DeleteAsync(id, cancellationToken);
            output.Write(new { deleted = true, clientId = id, mappingsRemoved }, () =>
            {
                output.Line(mappingsRemoved == 0 ? $"Deleted client '{id}'." : $"Deleted client '{id}' and its {mappingsRemoved} identity mapping(s).");
                output.Line(RunningServersNotice(services, "refuse it"));
            });
        }, cancellationToken));
        return command;
    }

    private static Command RotateSecret(CommandContext context)
    {
        var clientId = ClientIdArgument();
        var command = new Command("rotate-secret", "Give a confidential client a new secret, printed once. The old one stops working.") { clientId };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var id = result.GetRequiredValue(clientId);
            var secret = await services.GetRequiredService<ClientAdministration>().RotateSecretAsync(id, cancellationToken);
            output.Write(new { clientId = id, secret }, () =>
            {
                output.Line($"New client secret for '{id}': {secret}");
                output.Line(SecretWarning);
                output.Line(RunningServersNotice(services, "refuse the previous secret"));
            });
        }, cancellationToken));
        return command;
    }

    /// <summary>Running servers hold clients in memory and see a change at their next poll of the change stamp.</summary>
    private static string RunningServersNotice(IServiceProvider services, string what)
    {
        var poll = services.GetRequiredService<IOptions<ClientCacheOptions>>().Value.ChangePollInterval;
        return $"Running servers {what} within ClientCache:ChangePollInterval ({poll.ToString("c", CultureInfo.InvariantCulture)}).";
    }
}
