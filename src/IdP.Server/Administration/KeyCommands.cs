using System.CommandLine;
using IdP.Server.Data;
using IdP.Server.Keys;

namespace IdP.Server.Administration;

/// <summary><c>keys list</c>: the token signing and encryption keys, without private material.</summary>
internal static class KeyCommands
{
    public static Command Create(CommandContext context) => new("keys", "Inspect token signing and encryption keys.") { List(context) };

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List the keys with their schedule (signs from 'activates' until 'retires'; published until 'expires').");
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var keys = await services.GetRequiredService<SigningKeyRing>().ListAsync(services.GetRequiredService<IdpDbContext>(), cancellationToken);
            output.Write(keys, () => output.Table(
                ["KID", "USE", "ALG", "SIZE", "SOURCE", "CREATED", "ACTIVATES", "RETIRES", "EXPIRES"],
                keys.Select(k => new[]
                {
                    k.Kid, k.Use, k.Algorithm, k.KeySize.ToString(System.Globalization.CultureInfo.InvariantCulture), k.Source,
                    CommandOutput.Date(k.CreatedAt), CommandOutput.Date(k.ActivatesAt), CommandOutput.Date(k.RetiresAt), CommandOutput.Date(k.ExpiresAt),
                }),
                "No keys."));
        }, cancellationToken));
        return command;
    }
}
