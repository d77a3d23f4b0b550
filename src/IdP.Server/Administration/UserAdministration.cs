using IdP.Server.Protocol;
using IdP.Server.Accounts;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Administration;

/// <summary>A user as shown by <c>users list|show</c>.</summary>
public sealed record UserSummary(
    string Id, string UserName, string? Email, bool Disabled, DateTimeOffset? LockedOutUntil, DateTimeOffset CreatedAt);

/// <summary>
/// A user just created (<c>users add</c>), with the activation code that opens their first enrolment (null when none
/// is needed), shown this once.
/// </summary>
public sealed record AddedUser(string Id, string UserName, string? Email, DateTimeOffset CreatedAt, string? ActivationCode, DateTimeOffset? ActivationCodeExpiresAt);

/// <summary>
/// Creates and maintains accounts through ASP.NET Core Identity (hashing, validation, security stamps). Every change is
/// audited, never with the password.
/// </summary>
public sealed class UserAdministration(UserManager<IdpUser> users, TokenRevocation revocation, ActivationCodes activation, AuditLog audit, TimeProvider time)
{
    /// <summary>
    /// Creates a user. With <paramref name="requireActivation"/> (everyone but the demo user), their first second
    /// factor can be set up only with the activation code returned here (or a later one from <c>users activation</c>).
    /// </summary>
    public async Task<AddedUser> AddAsync(string userName, string? email, string password, bool requireActivation = true,
        CancellationToken cancellationToken = default)
    {
        if (await users.FindByNameAsync(userName) is not null)
        {
            throw new AdministrationException($"A user named '{userName}' already exists.");
        }

        // Users sign in with their user name or e-mail address, so an address may belong to one account only.
        if (email is not null && await users.FindByEmailAsync(email) is not null)
        {
            throw new AdministrationException($"Another user already has the e-mail address '{email}'.");
        }

        var user = new IdpUser { UserName = userName, Email = email, CreatedAt = time.GetUtcNow(), ActivationWaived = !requireActivation };
        Check(await users.CreateAsync(user, password));
        var code = requireActivation ? await activation.IssueAsync(user.Id, cancellationToken) : null;
        var reason = string.Join("; ", new[]
        {
            email is null ? null : $"e-mail {email}",
            code is null ? "no activation code needed" : $"activation code valid until {code.ExpiresAt.UtcDateTime:u}",
        }.Where(part => part is not null));
        await audit.WriteAsync(AuditTypes.UserAdd, AuditLog.Success, user, reason: reason, cancellationToken: cancellationToken);
        return new AddedUser(user.Id, user.UserName!, user.Email, user.CreatedAt, code?.Code, code?.ExpiresAt);
    }

    public async Task<UserSummary> GetAsync(string userNameOrEmail) => Summarize(await FindAsync(userNameOrEmail));

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken = default)
        => [.. (await users.Users.AsNoTracking().OrderBy(u => u.UserName).ToListAsync(cancellationToken)).Select(Summarize)];

    /// <summary>Disabling also rotates the security stamp, which ends the user's SSO sessions.</summary>
    public async Task SetDisabledAsync(string userNameOrEmail, bool disabled)
    {
        var user = await FindAsync(userNameOrEmail);
        user.IsDisabled = disabled;
        Check(await users.UpdateAsync(user));
        Check(await users.UpdateSecurityStampAsync(user));
        if (disabled)
        {
            await revocation.RevokeAllAsync(user.Id);
        }

        await audit.WriteAsync(disabled ? AuditTypes.UserDisable : AuditTypes.UserEnable, AuditLog.Success, user,
            reason: disabled ? "sessions ended, tokens revoked" : null);
    }

    public async Task SetPasswordAsync(string userNameOrEmail, string password)
    {
        var user = await FindAsync(userNameOrEmail);

        // Validate before removing the old password, so a rejected password changes nothing.
        foreach (var validator in users.PasswordValidators)
        {
            Check(await validator.ValidateAsync(users, user, password));
        }

        var token = await users.GeneratePasswordResetTokenAsync(user);
        Check(await users.ResetPasswordAsync(user, token, password));
        await users.ResetAccessFailedCountAsync(user);
        await users.SetLockoutEndDateAsync(user, null);

        // A password reset is often the clean-up after a compromise: end what the old password let anyone obtain.
        await revocation.RevokeAllAsync(user.Id);
        await audit.WriteAsync(AuditTypes.SetPassword, AuditLog.Success, user, "password", "password replaced, lockout cleared, tokens revoked");
    }

    /// <summary>Deletes the account; its audit events stay, and this last one still names it.</summary>
    public async Task DeleteAsync(string userNameOrEmail)
    {
        var user = await FindAsync(userNameOrEmail);
        Check(await users.DeleteAsync(user));
        await audit.WriteAsync(AuditTypes.UserDelete, AuditLog.Success, user, reason: user.Email is null ? null : $"e-mail {user.Email}");
    }

    /// <summary>Finds an account by user name, then by e-mail address, as the login page does.</summary>
    public async Task<IdpUser> FindAsync(string userNameOrEmail)
        => await users.FindByNameAsync(userNameOrEmail)
           ?? await users.FindByEmailAsync(userNameOrEmail)
           ?? throw new AdministrationException($"No user named '{userNameOrEmail}'.");

    private UserSummary Summarize(IdpUser user)
        => new(user.Id, user.UserName!, user.Email, user.IsDisabled,
               user.LockoutEnd is { } end && end > time.GetUtcNow() ? end : null, user.CreatedAt);

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new AdministrationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
