using System.CommandLine;
using IdP.Server.Mainframe;

namespace IdP.Server.Administration;

/// <summary><c>mappings add|remove|list|show|import|export</c>: distributed identities mapped to mainframe user IDs.</summary>
internal static class MappingCommands
{
    public static Command Create(CommandContext context) => new("mappings", "Map users and service clients to mainframe user IDs (RACF, ACF2, Top Secret).")
    {
        Add(context), Remove(context), List(context), Show(context), Import(context), Export(context),
    };

    private static Argument<string> SubjectArgument() => new("user-or-client")
    {
        Description = "A user name, e-mail address or user id; with --client, a client id.",
    };

    private static Option<bool> ClientOption() => new("--client") { Description = "The subject is a client id (a service client's sub)." };

    private static Option<string> RegistryOption(bool required) => new("--registry")
    {
        Description = "The registry name the gateway sends (apiml.security.oidc.registry).",
        HelpName = "registry",
        Required = required,
    };

    private static string Kind(ParseResult result, Option<bool> client)
        => result.GetValue(client) ? IdentityMapping.ClientKind : IdentityMapping.UserKind;

    private static Command Add(CommandContext context)
    {
        var subject = SubjectArgument();
        var client = ClientOption();
        var registry = RegistryOption(required: true);
        var userId = new Option<string>("--userid") { Description = "The mainframe user ID (1-8 of A-Z 0-9 # $ @).", HelpName = "ZOSUSER", Required = true };
        var label = new Option<string?>("--label")
        {
            Description = "A label of at most 32 bytes (RACF WITHLABEL, ACF2/Top Secret IDLABEL); default: the user or client name.",
            HelpName = "label",
        };
        var command = new Command("add", "Map a user or client, in one registry, to a mainframe user ID.") { subject, client, registry, userId, label };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var mapping = await services.GetRequiredService<MappingAdministration>().AddAsync(new MappingRequest(
                Kind(result, client), result.GetRequiredValue(subject), result.GetRequiredValue(registry),
                result.GetRequiredValue(userId), result.GetValue(label)), cancellationToken);
            output.Write(mapping, () => output.Line(
                $"Mapped {mapping.Kind} '{result.GetRequiredValue(subject)}' (sub {mapping.DistributedId}) in registry '{mapping.Registry}' to {mapping.MainframeUserId}."));
        }, cancellationToken));
        return command;
    }

    private static Command Remove(CommandContext context)
    {
        var subject = SubjectArgument();
        var client = ClientOption();
        var registry = RegistryOption(required: true);
        var command = new Command("remove", "Remove the mapping of a user or client in one registry.") { subject, client, registry };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var mapping = await services.GetRequiredService<MappingAdministration>().RemoveAsync(
                Kind(result, client), result.GetRequiredValue(subject), result.GetRequiredValue(registry), cancellationToken);
            output.Write(new { removed = true, mapping },
                () => output.Line($"Removed the mapping of '{result.GetRequiredValue(subject)}' in registry '{mapping.Registry}' (was {mapping.MainframeUserId})."));
        }, cancellationToken));
        return command;
    }

    private static Command List(CommandContext context)
    {
        var registry = RegistryOption(required: false);
        registry.Description = "Only the mappings of this registry.";
        var command = new Command("list", "List the mappings.") { registry };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var mappings = await services.GetRequiredService<MappingAdministration>().ListAsync(result.GetValue(registry), cancellationToken);
            WriteTable(output, mappings, "No mappings.");
        }, cancellationToken));
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var subject = SubjectArgument();
        var client = ClientOption();
        var command = new Command("show", "Show every mapping of one user or client.") { subject, client };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var mappings = await services.GetRequiredService<MappingAdministration>().ShowAsync(
                Kind(result, client), result.GetRequiredValue(subject), cancellationToken);
            WriteTable(output, mappings, $"'{result.GetRequiredValue(subject)}' has no mappings.");
        }, cancellationToken));
        return command;
    }

    private static Command Import(CommandContext context)
    {
        var file = new Argument<FileInfo>("file.csv") { Description = $"CSV with the header '{MappingCsv.Header}' (RFC 4180 quoting)." };
        var command = new Command("import", "Add the mappings of a CSV file: all of them, or none when any row is bad.") { file };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var path = result.GetRequiredValue(file);
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path.FullName, cancellationToken);
            }
            catch (IOException exception)
            {
                throw new AdministrationException($"Cannot read '{path}': {exception.Message}");
            }

            var (imported, errors) = await services.GetRequiredService<MappingAdministration>().ImportAsync(text, cancellationToken);

            // The report goes to standard output (a JSON document with --json); the refusal is the one error line.
            output.Write(new { imported, errors }, () =>
            {
                foreach (var error in errors)
                {
                    output.Line($"line {error.Line}: {error.Message}");
                }

                if (errors.Count == 0)
                {
                    output.Line($"Imported {imported} mapping(s) from '{path}'.");
                }
            });
            if (errors.Count > 0)
            {
                throw new AdministrationException($"'{path}' has {errors.Count} bad row(s); nothing was imported.");
            }
        }, cancellationToken));
        return command;
    }

    private static Command Export(CommandContext context)
    {
        var format = new Option<string>("--format") { Description = "The ESM to write commands for.", Required = true };
        format.AcceptOnlyFromAmong("racf", "acf2", "tss");
        var registry = RegistryOption(required: false);
        registry.Description = "Only the mappings of this registry.";
        var command = new Command("export", "Print the ESM commands that define the same mappings (see docs/esm-export.md).") { format, registry };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var esm = Enum.Parse<EsmFormat>(result.GetRequiredValue(format), ignoreCase: true);
            var commands = await services.GetRequiredService<MappingAdministration>().ExportAsync(esm, result.GetValue(registry), cancellationToken);
            output.Write(new { format = result.GetRequiredValue(format), commands }, () => output.Text(commands));
        }, cancellationToken));
        return command;
    }

    private static void WriteTable(CommandOutput output, IReadOnlyList<MappingSummary> mappings, string empty)
        => output.Write(mappings, () => output.Table(
            ["REGISTRY", "USERID", "KIND", "DISTRIBUTED ID", "LABEL", "CREATED"],
            mappings.Select(m => new[] { m.Registry, m.MainframeUserId, m.Kind, m.DistributedId, m.Label, CommandOutput.Date(m.CreatedAt) }),
            empty));
}
