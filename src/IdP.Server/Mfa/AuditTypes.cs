namespace IdP.Server.Mfa;

/// <summary>
/// Audit event types. The part before the dot is the category <c>audit list --type</c> filters on: <c>signin.</c>
/// (authentication), <c>session.</c> (sign-out), <c>mfa.</c> (a user's own factors), <c>admin.</c> (accounts), <c>client.</c> and <c>scope.</c>
/// (relying parties), <c>mapping.</c> (mainframe identities) and <c>key.</c> (signing keys).
/// </summary>
public static class AuditTypes
{
    public const string PasswordSignIn = "signin.password";
    public const string TotpSignIn = "signin.totp";
    public const string RecoveryCodeSignIn = "signin.recovery-code";
    public const string PasskeySignIn = "signin.passkey";

    /// <summary>A lockout began (factor <c>password</c> or <c>totp</c>); attempts refused during it are <c>signin.*</c> failures.</summary>
    public const string Lockout = "signin.lockout";

    /// <summary>A signed-in session ended: the sign-out page, RP-initiated logout, or a prompt=login sign-in starting afresh.</summary>
    public const string SignOut = "session.signout";

    public const string UserAdd = "admin.user-add";
    public const string UserDisable = "admin.user-disable";
    public const string UserEnable = "admin.user-enable";
    public const string SetPassword = "admin.set-password";
    public const string UserDelete = "admin.user-delete";
    public const string ActivationIssue = "admin.activation";

    /// <summary>A user gave (or failed to give) the activation code that opens their first enrolment.</summary>
    public const string Activation = "mfa.activation";

    public const string ClientAdd = "client.add";
    public const string ClientDelete = "client.delete";
    public const string ClientRotateSecret = "client.rotate-secret";
    public const string ScopeAdd = "scope.add";

    public const string MappingAdd = "mapping.add";
    public const string MappingRemove = "mapping.remove";
    public const string MappingImport = "mapping.import";

    public const string KeyRotate = "key.rotate";
}

/// <summary>Reasons the metrics tell apart (<see cref="AuditLog"/> counts by them); other reasons are free text.</summary>
public static class AuditReasons
{
    public const string UnknownUser = "unknown user";
    public const string WrongPassword = "wrong password";
    public const string LockedOut = "locked out";
    public const string AccountDisabled = "account disabled";
    public const string NotAllowed = "not allowed";
    public const string SecondFactorLocked = "second factor locked";
}
