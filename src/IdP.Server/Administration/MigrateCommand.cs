using System.CommandLine;
using IdP.Server.Data;

namespace IdP.Server.Administration;

/// <summary><c>migrate</c>: applies pending EF Core migrations and says which.</summary>
internal static class MigrateCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new Command("migrate", "Apply pending database migrations.");
        command.SetAction(async (result, cancellationToken) =>
        {
            // Not the prepared host: preparing would migrate first and leave nothing to report.
            await using var host = await context.OpenUnpreparedAsync(cancellationToken);
            await using var scope = host.Services.CreateAsyncScope();
            var applied = await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);

            var output = context.OutputFor(result);
            output.Write(new { applied, current = true }, () =>
            {
                if (applied.Count == 0)
                {
                    output.Line("The database schema is current: no migrations to apply.");
                    return;
                }

                output.Line($"Applied {applied.Count} migration(s); the database schema is now current:");
                foreach (var migration in applied)
                {
                    output.Line("  " + migration);
                }
            });
            return 0;
        });
        return command;
    }
}
