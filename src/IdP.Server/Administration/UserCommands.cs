using System.CommandLine;
using System.Globalization;

namespace IdP.Server.Administration;

/// <summary><c>users add|list|show|disable|enable|set-password|delete</c>, and the MFA verbs of <see cref="UserMfaCommands"/>.</summary>
internal static class UserCommands
{
    public static Command Create(CommandContext context)
    {
        var users = new Command("users", "Manage user accounts.")
        {
            Add(context), List(context), Show(context),
            SetDisabled(context, "disable", disabled: true), SetDisabled(context, "enable", disabled: false),
            SetPassword(context), Delete(context),
        };
        foreach (var command in UserMfaCommands.Create(context))
        {
            users.Add(command);
        }

        return users;
    }

    private static Argument<string> UserArgument() => new("user") { Description = "The user name or e-mail address." };

    /// <summary>What the administrator hands over, and to whom: the mainframe's "new PIN" moment, made explicit.</summary>
    internal static void ActivationLines(CommandOutput output, string? code, DateTimeOffset? expiresAt)
    {
        if (code is null)
        {
            return;
        }

        output.Line($"Activation code: {code} (valid until {CommandOutput.Date(expiresAt)}).");
        output.Line("Give it to the user in person or by phone, not by e-mail: they enter it when they set up their second factor.");
    }

    private static Command Add(CommandContext context)
    {
        var userName = new Argument<string>("username") { Description = "The user name to sign in with." };
        var email = new Option<string?>("--email") { Description = "The e-mail address (also accepted at sign-in).", HelpName = "address" };
        var command = new Command("add", "Create a user. The password is prompted for, or read as one line from standard input.") { userName, email };
        command.SetAction(async (result, cancellationToken) =>
        {
            // Read before touching the database: a missing password must leave nothing behind.
            var password = context.Passwords.Read();
            return await context.RunAsync(result, async (services, output) =>
            {
                var user = await services.GetRequiredService<UserAdministration>()
                    .AddAsync(result.GetRequiredValue(userName), result.GetValue(email), password, cancellationToken: cancellationToken);
                output.Write(user, () =>
                {
                    output.Line($"Created user '{user.UserName}' (id {user.Id}).");
                    ActivationLines(output, user.ActivationCode, user.ActivationCodeExpiresAt);
                });
            }, cancellationToken);
        });
        return command;
    }

    private static Command List(CommandContext context)
    {
        var command = new Command("list", "List all users.");
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var users = await services.GetRequiredService<UserAdministration>().ListAsync(cancellationToken);
            output.Write(users, () => output.Table(
                ["USERNAME", "EMAIL", "STATUS", "CREATED", "ID"],
                users.Select(u => new[] { u.UserName, u.Email, Status(u), CommandOutput.Date(u.CreatedAt), u.Id }),
                "No users."));
        }, cancellationToken));
        return command;
    }

    private static Command Show(CommandContext context)
    {
        var user = UserArgument();
        var command = new Command("show", "Show one user, with their second factors.") { user };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var summary = await services.GetRequiredService<UserAdministration>().GetAsync(result.GetRequiredValue(user));
            var factors = await services.GetRequiredService<SecondFactorAdministration>().GetStatusAsync(result.GetRequiredValue(user), cancellationToken);

            // One flat document: the user's fields and their second factors side by side.
            var json = CommandOutput.ToJsonObject(summary);
            foreach (var (name, value) in CommandOutput.ToJsonObject(factors).ToList())
            {
                json[name] = value?.DeepClone();
            }

            output.Write(json, () => Describe(output, summary, factors));
        }, cancellationToken));
        return command;
    }

    private static Command SetDisabled(CommandContext context, string name, bool disabled)
    {
        var user = UserArgument();
        var command = new Command(name, disabled
            ? "Disable a user: sign-in, their sessions and their refresh tokens stop working (issued access tokens run until they expire)."
            : "Enable a disabled user again.") { user };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var users = services.GetRequiredService<UserAdministration>();
            await users.SetDisabledAsync(result.GetRequiredValue(user), disabled);
            var summary = await users.GetAsync(result.GetRequiredValue(user));
            output.Write(summary, () => output.Line(disabled
                ? $"Disabled user '{summary.UserName}': they can no longer sign in or refresh tokens."
                : $"Enabled user '{summary.UserName}'."));
        }, cancellationToken));
        return command;
    }

    private static Command SetPassword(CommandContext context)
    {
        var user = UserArgument();
        var command = new Command("set-password", "Replace a user's password (prompted for, or one line of standard input); also clears a lockout.") { user };
        command.SetAction(async (result, cancellationToken) =>
        {
            var password = context.Passwords.Read();
            return await context.RunAsync(result, async (services, output) =>
            {
                var users = services.GetRequiredService<UserAdministration>();
                await users.SetPasswordAsync(result.GetRequiredValue(user), password);
                var summary = await users.GetAsync(result.GetRequiredValue(user));
                output.Write(summary, () => output.Line($"Changed the password of '{summary.UserName}'."));
            }, cancellationToken);
        });
        return command;
    }

    private static Command Delete(CommandContext context)
    {
        var user = UserArgument();
        var command = new Command("delete", "Delete a user for good.") { user };
        command.SetAction((result, cancellationToken) => context.RunAsync(result, async (services, output) =>
        {
            var users = services.GetRequiredService<UserAdministration>();
            var summary = await users.GetAsync(result.GetRequiredValue(user));
            await users.DeleteAsync(summary.UserName);
            output.Write(new { deleted = true, summary.UserName, summary.Id }, () => output.Line($"Deleted user '{summary.UserName}'."));
        }, cancellationToken));
        return command;
    }

    private static void Describe(CommandOutput output, UserSummary user, SecondFactorStatus factors) => output.Fields(
        ("username", user.UserName),
        ("email", user.Email),
        ("status", Status(user)),
        ("created", CommandOutput.Date(user.CreatedAt)),
        ("id", user.Id),
        ("mfa exempt", factors.MfaExempt ? "yes" : "no"),
        ("totp authenticators", factors.TotpAuthenticators.ToString(CultureInfo.InvariantCulture)),
        ("passkeys", factors.Passkeys.ToString(CultureInfo.InvariantCulture)),
        ("recovery codes", $"{factors.RecoveryCodes} unused"),
        ("second factor", factors.SecondFactorLockedUntil is { } until ? "locked until " + CommandOutput.Date(until) : "not locked"));

    private static string Status(UserSummary user)
        => user.Disabled ? "disabled"
            : user.LockedOutUntil is { } until ? "locked out until " + CommandOutput.Date(until)
            : "active";
}
