namespace IdP.Server.Mfa;

/// <summary>
/// Who acts when there is no web request: IdP itself in the server (<see cref="System"/>), or the administrator
/// running a command (<see cref="CommandLine"/>), which the command-line host registers instead.
/// </summary>
public sealed record AuditActor(string Name)
{
    public const string SystemName = "system";

    public const string UserPrefix = "user:";

    public const string CommandLinePrefix = "cli:";

    public static AuditActor System { get; } = new(SystemName);

    /// <summary>
    /// <c>cli:&lt;OS user&gt;</c>. Run through sudo, the account that ran sudo is the person, so it is named, e.g.
    /// <c>cli:alice (sudo)</c> rather than <c>cli:root</c>.
    /// </summary>
    /// <remarks>Note: this is what the operating system says, no stronger than the account the command runs under.</remarks>
    public static AuditActor CommandLine()
    {
        var user = Environment.UserName;
        var sudoUser = Environment.GetEnvironmentVariable("SUDO_USER");
        return new(CommandLinePrefix + (!string.IsNullOrWhiteSpace(sudoUser) && sudoUser != user ? $"{sudoUser} (sudo)" : user));
    }

    /// <summary>A signed-in user acting on their own account.</summary>
    public static string ForUser(string userName) => UserPrefix + userName;
}
