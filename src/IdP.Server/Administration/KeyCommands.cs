using System.CommandLine;
using System.Globalization;
using IdP.Server.Data;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;

namespace IdP.Server.Administration;

/// <summary><c>keys list</c> and <c>keys rotate</c>: the token signing and encryption keys, without private material.</summary>
internal static class KeyCommands
{
    public static Command Create(CommandContext context)
        => new("keys", "Inspect and rotate token signing and encryption keys.") { List(context), Rotate(context) };

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List the keys with their set, state and schedule (published from 'created', signs from 'activates' until 'retires', published until 'expires'). The general set is published at /.well-known/jwks, the gateway set at /.well-known/gateway-jwks.");
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var keys = await services.GetRequiredService<SigningKeyRing>().ListAsync(services.GetRequiredService<IdpDbContext>(), cancellationToken);
            output.Write(keys, () => output.Table(
                ["KID", "STATE", "USE", "SET", "ALG", "SIZE", "SOURCE", "CREATED", "ACTIVATES", "RETIRES", "EXPIRES"],
                keys.Select(k => new[]
                {
                    k.Kid, k.State, k.Use, k.Use == SigningKey.SignatureUse ? k.Set : "-", k.Algorithm, k.KeySize.ToString(CultureInfo.InvariantCulture), k.Source,
                    CommandOutput.Date(k.CreatedAt), CommandOutput.Date(k.ActivatesAt), CommandOutput.Date(k.RetiresAt), CommandOutput.Date(k.ExpiresAt),
                }),
                "No keys."));
        }, cancellationToken));
        return command;
    }

    private static Command Rotate(CommandContext context)
    {
        var set = new Option<string>("--set")
        {
            Description = "Which key set: general (every relying party's JWKS) or gateway (the mainframe gateway's JWKS).",
            DefaultValueFactory = _ => SigningKey.GeneralSet,
        };
        set.AcceptOnlyFromAmong([.. SigningKey.Sets]);
        var command = new Command("rotate", "Publish a new signing key of one set now; it signs after Keys:PrePublicationDelay, and the set's current key stays published until its tokens expired.") { set };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var rotation = await services.GetRequiredService<KeyRotation>().RotateAsync(result.GetRequiredValue(set), cancellationToken);
            var refresh = services.GetRequiredService<IOptions<KeyOptions>>().Value.RefreshInterval;
            output.Write(rotation, () =>
            {
                output.Fields(
                    ("set", rotation.Key.Set),
                    ("new key", rotation.Key.Kid),
                    ("published", CommandOutput.Date(rotation.Key.CreatedAt)),
                    ("signs from", CommandOutput.Date(rotation.Key.ActivatesAt)),
                    ("previous key", rotation.Previous?.Kid),
                    ("stops signing", CommandOutput.Date(rotation.Previous?.RetiresAt)),
                    ("leaves the JWKS", CommandOutput.Date(rotation.Previous?.ExpiresAt)));
                output.Line($"Running servers publish the new key within Keys:RefreshInterval ({refresh.ToString("c", CultureInfo.InvariantCulture)}).");
            });
        }, cancellationToken));
        return command;
    }
}
