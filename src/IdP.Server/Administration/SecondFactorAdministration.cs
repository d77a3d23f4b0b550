using IdP.Server.Protocol;
using IdP.Server.Accounts;
using IdP.Server.Data;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Administration;

/// <summary>A user's second factors as <c>users show</c> reports them.</summary>
public sealed record SecondFactorStatus(bool MfaExempt, int TotpAuthenticators, int Passkeys, int RecoveryCodes, DateTimeOffset? SecondFactorLockedUntil);

public sealed record ImportedAuthenticator(string UserName, string Id, string AuthenticatorId, string Label);

/// <summary>What <c>users reset-mfa</c> removed, and the activation code for the user's new first enrolment.</summary>
public sealed record MfaReset(string UserName, string Id, int RemovedTotpAuthenticators, int RemovedRecoveryCodes, int RemovedPasskeys, bool ClearedLockout,
    string ActivationCode, DateTimeOffset ActivationCodeExpiresAt);

/// <summary>A new activation code from <c>users activation</c>.</summary>
public sealed record ActivationIssued(string UserName, string Id, string ActivationCode, DateTimeOffset ActivationCodeExpiresAt);

public sealed record MfaExemption(string UserName, string Id, bool MfaExempt, string? Reason);

/// <summary>One audit event as <c>users audit</c> shows it.</summary>
public sealed record AuditEntry(
    DateTimeOffset At, string Type, string? Actor, string? Factor, string Outcome, string? Reason, string? ClientId, string? IpAddress, string? UserAgent);

/// <summary>
/// An administrator's view of and changes to users' second factors. Every change is written to the audit log,
/// since each one weakens or replaces what protects an account.
/// </summary>
public sealed class SecondFactorAdministration(
    UserAdministration accounts,
    UserManager<IdpUser> users,
    IdpDbContext db,
    TotpAuthenticatorService totp,
    RecoveryCodeService recoveryCodes,
    SecondFactorLockout lockout,
    ActivationCodes activation,
    UserFactors factors,
    TokenRevocation revocation,
    AuditLog audit)
{
    public const string DefaultTokenLabel = "Hardware token";

    /// <summary>The audit table's reason column holds 256 characters; a longer reason would be cut.</summary>
    public const int MaximumReasonLength = 256;

    private const int MaximumLabelLength = 100;

    public async Task<SecondFactorStatus> GetStatusAsync(string userNameOrEmail, CancellationToken cancellationToken = default)
    {
        var user = await accounts.FindAsync(userNameOrEmail);
        return new SecondFactorStatus(
            user.MfaExempt,
            (await totp.ListAsync(user.Id, cancellationToken)).Count,
            (await users.GetPasskeysAsync(user)).Count,
            await recoveryCodes.RemainingAsync(user.Id, cancellationToken),
            await lockout.LockedUntilAsync(user.Id, cancellationToken));
    }

    /// <summary>Imports a hardware token's seed; the factor is active at once.</summary>
    public async Task<ImportedAuthenticator> ImportTotpAsync(string userNameOrEmail, byte[] seed, string label, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seed);
        TotpSeed.CheckLength(seed.Length);
        label = CheckLabel(label);
        var user = await accounts.FindAsync(userNameOrEmail);
        var authenticator = await totp.ImportAsync(user, seed, label, cancellationToken);

        // A token handed over in person needs no activation code.
        await activation.WithdrawAsync(user.Id, cancellationToken);
        await audit.WriteAsync("admin.totp-import", AuditLog.Success, user, "totp", $"label '{label}'", cancellationToken: cancellationToken);
        return new ImportedAuthenticator(user.UserName!, user.Id, authenticator.Id, label);
    }

    /// <summary>
    /// Removes every second factor (TOTP authenticators, recovery codes, passkeys) and clears the second-factor
    /// lockout, so the next sign-in enrols anew. The security stamp changes too, so existing sessions (which could
    /// enrol a factor of their choosing) end at Identity's next stamp check.
    /// </summary>
    public async Task<MfaReset> ResetAsync(string userNameOrEmail, CancellationToken cancellationToken = default)
    {
        var user = await accounts.FindAsync(userNameOrEmail);
        var wasLocked = await lockout.LockedUntilAsync(user.Id, cancellationToken) is not null;

        // One transaction: a reset that fails half-way must not leave a user with some factors gone.
        int authenticators, codes, passkeys;
        IssuedActivationCode code;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Unused codes only: used ones protect nothing, and counting them would overstate what was removed.
            codes = await recoveryCodes.RemainingAsync(user.Id, cancellationToken);
            await recoveryCodes.RemoveAllAsync(user.Id, cancellationToken);
            authenticators = (await totp.ListAsync(user.Id, cancellationToken)).Count;
            await totp.RemoveAsync(user.Id, cancellationToken: cancellationToken);

            var registered = await users.GetPasskeysAsync(user);
            foreach (var passkey in registered)
            {
                Check(await users.RemovePasskeyAsync(user, passkey.CredentialId));
            }

            passkeys = registered.Count;
            Check(await users.UpdateSecurityStampAsync(user));

            // Last: Identity's updates write the whole user row as loaded, which would bring the old counters back.
            await lockout.ResetAsync(user.Id, cancellationToken);

            // The reset usually follows a compromise: refresh tokens obtained with the old factors stop working too.
            await revocation.RevokeAllAsync(user.Id, cancellationToken);

            // Whoever sets up the next factor must have the code the help desk hands to the owner, not just the password.
            code = await activation.IssueAsync(user.Id, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        // After the commit: the audit log writes through its own connection, which SQLite would make wait.
        await audit.WriteAsync("admin.reset-mfa", AuditLog.Success, user, reason:
            $"removed {authenticators} TOTP authenticator(s), {codes} recovery code(s), {passkeys} passkey(s)" + (wasLocked ? ", cleared the lockout" : "")
            + $"; activation code valid until {code.ExpiresAt.UtcDateTime:u}",
            cancellationToken: cancellationToken);
        return new MfaReset(user.UserName!, user.Id, authenticators, codes, passkeys, wasLocked, code.Code, code.ExpiresAt);
    }

    /// <summary>
    /// <c>users activation</c>: a new activation code (replacing any outstanding one) for a user who has no second
    /// factor yet, or an MFA-exempt user (whose password session needs one to set up a factor). A user with a factor
    /// needs <c>reset-mfa</c> first. The security stamp changes: a code accepted earlier no longer opens an enrolment.
    /// </summary>
    public async Task<ActivationIssued> IssueActivationAsync(string userNameOrEmail, CancellationToken cancellationToken = default)
    {
        var user = await accounts.FindAsync(userNameOrEmail);
        if (!user.MfaExempt && (await factors.GetAsync(user)).Count > 0)
        {
            throw new AdministrationException($"'{user.UserName}' already has a second factor and signs in with it, so there is nothing to activate; use users reset-mfa to start their enrolment afresh.");
        }

        Check(await users.UpdateSecurityStampAsync(user));
        var code = await activation.IssueAsync(user.Id, cancellationToken);
        await audit.WriteAsync(AuditTypes.ActivationIssue, AuditLog.Success, user, cancellationToken: cancellationToken,
            reason: $"valid until {code.ExpiresAt.UtcDateTime:u}");
        return new ActivationIssued(user.UserName!, user.Id, code.Code, code.ExpiresAt);
    }

    /// <summary>Exempts a user from the <c>mfa</c> policy (a reason is required) or requires MFA again.</summary>
    public async Task<MfaExemption> SetExemptAsync(string userNameOrEmail, bool exempt, string? reason, CancellationToken cancellationToken = default)
    {
        reason = exempt ? CheckReason(reason) : reason is null ? null : CheckReason(reason);
        var user = await accounts.FindAsync(userNameOrEmail);

        // Requiring MFA again ends the password-only sessions the exemption allowed (at the next stamp check).
        if (!exempt)
        {
            Check(await users.UpdateSecurityStampAsync(user));
        }

        // Only this column: a full-row update could undo a concurrent sign-in's counters.
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(set => set.SetProperty(u => u.MfaExempt, exempt), cancellationToken);
        await audit.WriteAsync(exempt ? "admin.mfa-exempt" : "admin.mfa-require", AuditLog.Success, user, reason: reason, cancellationToken: cancellationToken);
        return new MfaExemption(user.UserName!, user.Id, exempt, reason);
    }

    /// <summary>
    /// The user's audit events, newest first. A deleted user's events remain (they have no foreign key), so the
    /// argument may also be a user id.
    /// </summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(string userNameEmailOrId, int limit, CancellationToken cancellationToken = default)
    {
        if (limit < 1)
        {
            throw new AdministrationException("The limit must be at least 1.");
        }

        var user = await users.FindByNameAsync(userNameEmailOrId) ?? await users.FindByEmailAsync(userNameEmailOrId) ?? await users.FindByIdAsync(userNameEmailOrId);
        var userId = user?.Id ?? userNameEmailOrId;
        if (user is null && !await db.AuditEvents.AnyAsync(e => e.UserId == userId, cancellationToken))
        {
            throw new AdministrationException($"No user named '{userNameEmailOrId}', and no audit events for a user with that id.");
        }

        // By id, not time: ids follow insertion, and SQLite cannot order DateTimeOffset values.
        return await db.AuditEvents.AsNoTracking()
            .Where(e => e.UserId == userId)
            .OrderByDescending(e => e.Id)
            .Take(limit)
            .Select(e => new AuditEntry(e.At, e.Type, e.Actor, e.Factor, e.Outcome, e.Reason, e.ClientId, e.IpAddress, e.UserAgent))
            .ToListAsync(cancellationToken);
    }

    /// <summary>A reason goes into the audit log whole and on one line, where a table can show it.</summary>
    public static string CheckReason(string? reason)
    {
        var trimmed = reason?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new AdministrationException("Give a reason with --reason: it is recorded in the audit log.");
        }

        if (trimmed.Length > MaximumReasonLength || trimmed.Any(char.IsControl))
        {
            throw new AdministrationException($"The reason must be one line of at most {MaximumReasonLength} characters.");
        }

        return trimmed;
    }

    public static string CheckLabel(string? label)
    {
        var trimmed = label?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length > MaximumLabelLength || trimmed.Any(char.IsControl))
        {
            throw new AdministrationException($"The label must be one line of 1 to {MaximumLabelLength} characters.");
        }

        return trimmed;
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new AdministrationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        }
    }
}
