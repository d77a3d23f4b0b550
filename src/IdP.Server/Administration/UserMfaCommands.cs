using System.CommandLine;
using System.Security.Cryptography;

namespace IdP.Server.Administration;

/// <summary><c>users totp-import|reset-mfa|activation|mfa-exempt|mfa-require|audit</c>: second factors and the audit trail.</summary>
internal static class UserMfaCommands
{
    public const int DefaultAuditLimit = 50;

    public static IEnumerable<Command> Create(CommandContext context)
        => [TotpImport(context), ResetMfa(context), Activation(context), SetExempt(context, exempt: true), SetExempt(context, exempt: false), Audit(context)];

    private static Argument<string> UserArgument() => new("user") { Description = "The user name or e-mail address." };

    private static Command TotpImport(CommandContext context)
    {
        var user = UserArgument();
        var secretStdin = new Option<bool>("--secret-stdin")
        {
            Description = "Read the token's seed (base32, as on its data sheet) as one line of standard input. Required: a seed is never accepted as an argument.",
        };
        var label = new Option<string>("--label")
        {
            Description = "How the token is named in IdP.",
            HelpName = "text",
            DefaultValueFactory = _ => SecondFactorAdministration.DefaultTokenLabel,
        };
        var command = new Command("totp-import", "Import the seed of a hardware TOTP token for a user; it works at once.") { user, secretStdin, label };
        command.SetAction(async (result, cancellationToken) =>
        {
            if (!result.GetValue(secretStdin))
            {
                throw new AdministrationException("Pass --secret-stdin and give the seed as one line on standard input; a seed is never accepted as an argument.");
            }

            // Everything is checked before the database is opened, so a refused seed leaves nothing behind.
            var tokenLabel = SecondFactorAdministration.CheckLabel(result.GetValue(label));
            var seed = TotpSeed.Parse(context.Passwords.ReadSecret("Token seed (base32): ", "the token's seed"));
            try
            {
                return await context.RunAsync(result, async (services, output) =>
                {
                    var imported = await services.GetRequiredService<SecondFactorAdministration>()
                        .ImportTotpAsync(result.GetRequiredValue(user), seed, tokenLabel, cancellationToken);
                    output.Write(imported, () => output.Line(
                        $"Imported TOTP token '{imported.Label}' for '{imported.UserName}' ({seed.Length * 8}-bit seed); it is active now."));
                }, cancellationToken);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        });
        return command;
    }

    private static Command ResetMfa(CommandContext context)
    {
        var user = UserArgument();
        var command = new Command("reset-mfa",
            "Remove all of a user's second factors (TOTP, recovery codes, passkeys) and clear the second-factor lockout; their next sign-in enrols anew.") { user };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var reset = await services.GetRequiredService<SecondFactorAdministration>().ResetAsync(result.GetRequiredValue(user), cancellationToken);
            output.Write(reset, () =>
            {
                output.Line($"Reset the second factors of '{reset.UserName}': removed {reset.RemovedTotpAuthenticators} TOTP authenticator(s), " +
                            $"{reset.RemovedRecoveryCodes} unused recovery code(s) and {reset.RemovedPasskeys} passkey(s)" +
                            (reset.ClearedLockout ? "; cleared the second-factor lockout." : "."));
                output.Line("Their next sign-in asks them to enrol a new authenticator.");
                UserCommands.ActivationLines(output, reset.ActivationCode, reset.ActivationCodeExpiresAt);
            });
        }, cancellationToken));
        return command;
    }

    private static Command Activation(CommandContext context)
    {
        var user = UserArgument();
        var command = new Command("activation",
            "Issue a new activation code for a user who has no second factor yet (it replaces any earlier one); they enter it to set up their first factor.") { user };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var issued = await services.GetRequiredService<SecondFactorAdministration>().IssueActivationAsync(result.GetRequiredValue(user), cancellationToken);
            output.Write(issued, () => UserCommands.ActivationLines(output, issued.ActivationCode, issued.ActivationCodeExpiresAt));
        }, cancellationToken));
        return command;
    }

    private static Command SetExempt(CommandContext context, bool exempt)
    {
        var user = UserArgument();
        var reason = new Option<string>("--reason")
        {
            Description = exempt ? "Why (recorded in the audit log). Required." : "Why (recorded in the audit log).",
            HelpName = "text",
            Required = exempt,
        };
        var command = new Command(exempt ? "mfa-exempt" : "mfa-require", exempt
            ? "Let a user sign in with the password alone where a client's policy is 'mfa' (audited)."
            : "Undo mfa-exempt: the user needs a second factor again (audited).") { user, reason };
        command.SetAction((result, cancellationToken) =>
        {
            var given = result.GetValue(reason);
            var why = exempt || given is not null ? SecondFactorAdministration.CheckReason(given) : null;
            return context.RunAsync(result, async (services, output) =>
            {
                var change = await services.GetRequiredService<SecondFactorAdministration>()
                    .SetExemptAsync(result.GetRequiredValue(user), exempt, why, cancellationToken);
                output.Write(change, () => output.Line(exempt
                    ? $"Exempted '{change.UserName}' from MFA (reason: {change.Reason}): clients with the 'mfa' policy accept their password alone."
                    : $"'{change.UserName}' needs a second factor again."));
            }, cancellationToken);
        });
        return command;
    }

    private static Command Audit(CommandContext context)
    {
        var user = new Argument<string>("user") { Description = "The user name, e-mail address, or user id (the id also finds a deleted user's events)." };
        var limit = LimitOption();
        var command = new Command("audit", "Show a user's sign-in attempts and security changes, newest first.") { user, limit };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var events = await services.GetRequiredService<SecondFactorAdministration>()
                .AuditAsync(result.GetRequiredValue(user), result.GetValue(limit), cancellationToken);
            output.Write(events, () => AuditTable(output, events));
        }, cancellationToken));
        return command;
    }

    /// <summary><c>--limit</c> of the audit listings (<c>users audit</c>, <c>audit list</c>).</summary>
    public static Option<int> LimitOption()
    {
        var limit = new Option<int>("--limit")
        {
            Description = "How many events to show, newest first.",
            HelpName = "n",
            DefaultValueFactory = _ => DefaultAuditLimit,
        };
        limit.Validators.Add(option =>
        {
            if (option.GetValueOrDefault<int>() < 1)
            {
                option.AddError("--limit must be at least 1.");
            }
        });
        return limit;
    }

    /// <summary>The audit table of <c>users audit</c>, and of <c>audit list</c> with a USER column (<paramref name="userNames"/>) after the time.</summary>
    public static void AuditTable(CommandOutput output, IReadOnlyList<AuditEntry> events, IReadOnlyList<string?>? userNames = null)
    {
        string[] headers = ["TIME", "TYPE", "ACTOR", "FACTOR", "OUTCOME", "REASON", "CLIENT", "IP", "USER AGENT"];
        var rows = events.Select(e => new[] { CommandOutput.Date(e.At), e.Type, e.Actor, e.Factor, e.Outcome, e.Reason, e.ClientId, e.IpAddress, e.UserAgent });
        if (userNames is not null)
        {
            headers = [headers[0], "USER", .. headers[1..]];
            rows = rows.Select((row, i) => (string?[])[row[0], userNames[i], .. row[1..]]);
        }

        output.Table(headers, rows, "No audit events.");
    }
}
