using System.CommandLine;

namespace IdP.Server.Administration;

/// <summary><c>audit list</c>: the audit trail across users, filtered.</summary>
internal static class AuditCommands
{
    public static Command Create(CommandContext context)
    {
        var user = new Option<string>("--user") { Description = "Only this user's events: user name, e-mail address or user id.", HelpName = "user" };
        var since = new Option<string>("--since") { Description = "Only events since an ISO 8601 date (UTC unless an offset is given) or a duration back from now: 90m, 24h, 7d.", HelpName = "when" };
        var type = new Option<string>("--type")
        {
            Description = "Only events whose type starts with this: signin., mfa., admin., client., scope., mapping. or key., or a whole type.",
            HelpName = "prefix",
        };
        var actor = new Option<string>("--actor")
        {
            Description = "Only events whose actor starts with this: cli: (administrators' commands), system, user:<name>.",
            HelpName = "prefix",
        };
        var limit = UserMfaCommands.LimitOption();

        var list = new Command("list", "List audit events of all users, newest first.") { user, since, type, actor, limit };
        list.Validators.Add(result =>
        {
            // Checked before the database is opened, like every argument.
            if (result.GetValue(since) is { } value)
            {
                try
                {
                    AuditAdministration.ParseSince(value, DateTimeOffset.UtcNow);
                }
                catch (AdministrationException exception)
                {
                    result.AddError(exception.Message);
                }
            }
        });
        list.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var events = await services.GetRequiredService<AuditAdministration>().ListAsync(
                result.GetValue(user), result.GetValue(since), result.GetValue(type), result.GetValue(limit), result.GetValue(actor), cancellationToken);
            output.Write(events, () => UserMfaCommands.AuditTable(output,
                events.Select(e => new AuditEntry(e.At, e.Type, e.Actor, e.Factor, e.Outcome, e.Reason, e.ClientId, e.IpAddress, e.UserAgent)).ToList(),
                events.Select(e => e.UserName ?? e.UserId).ToList()));
        }, cancellationToken));

        return new Command("audit", "The audit trail: sign-in attempts, security changes and administrators' actions.") { list };
    }
}
