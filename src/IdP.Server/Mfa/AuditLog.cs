using IdP.Server.Accounts;
using IdP.Server.Data;
using IdP.Server.Observability;

namespace IdP.Server.Mfa;

/// <summary>
/// Writes authentication attempts and security changes to the audit table, and as structured logs. It uses its
/// own database scope so an audit row never commits (or rolls back) someone else's pending changes.
/// </summary>
/// <remarks>
/// Every sign-in step passes through here, so it is also where the sign-in, second-factor and lockout counters of
/// <see cref="IdpMetrics"/> are kept: the metrics cannot drift from what the audit trail says happened.
/// </remarks>
public sealed class AuditLog(
    IServiceScopeFactory scopeFactory, IHttpContextAccessor httpContext, AuditActor background, IdpMetrics metrics, TimeProvider time,
    ILogger<AuditLog> logger)
{
    public const string Success = "success";
    public const string Failure = "failure";

    public Task WriteAsync(string type, string outcome, IdpUser? user, string? factor = null, string? reason = null,
        string? clientId = null, CancellationToken cancellationToken = default)
        => WriteForUserIdAsync(type, outcome, user?.Id, user?.UserName, factor, reason, clientId, cancellationToken);

    /// <summary>For events known only by user id (e.g. from the passkey handler).</summary>
    public Task WriteForUserIdAsync(string type, string outcome, string? userId, string? userName, string? factor = null, string? reason = null,
        string? clientId = null, CancellationToken cancellationToken = default)
        => WriteAllAsync(
            [new AuditEvent { Type = type, Outcome = outcome, UserId = userId, UserName = userName, Factor = factor, Reason = reason, ClientId = clientId }],
            cancellationToken);

    /// <summary>
    /// Several events of one action (e.g. each mapping of an import) in one transaction. Time, actor, client address
    /// and user agent are filled in here, the same for all of them.
    /// </summary>
    public async Task WriteAllAsync(IReadOnlyCollection<AuditEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        var context = httpContext.HttpContext;
        var request = context?.Request;
        var actor = Truncate(ActorOf(context), AuditEvent.MaxActorLength);
        var at = time.GetUtcNow();
        foreach (var entry in events)
        {
            entry.At = at;
            entry.Actor = actor;
            entry.Reason = Truncate(entry.Reason, 256);
            entry.ClientId = Truncate(entry.ClientId ?? ClientIdFromReturnUrl(request), 100);
            entry.IpAddress = context?.Connection.RemoteIpAddress?.ToString();
            entry.UserAgent = Truncate(request?.Headers.UserAgent.ToString(), 512);
        }

        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            db.AuditEvents.AddRange(events);
            await db.SaveChangesAsync(cancellationToken);
        }

        foreach (var entry in events)
        {
            logger.LogInformation("Audit {Type} {Outcome} actor={Actor} user={UserName} factor={Factor} client={ClientId} ip={IpAddress} reason={Reason}",
                entry.Type, entry.Outcome, entry.Actor, entry.UserName, entry.Factor, entry.ClientId, entry.IpAddress, entry.Reason);
            Count(entry);
        }
    }

    /// <summary>
    /// Outside a web request: the host's actor (an administrator's command, or IdP itself). In one: the signed-in
    /// user, or nobody yet for a sign-in attempt.
    /// </summary>
    private string? ActorOf(HttpContext? context)
        => context is null ? background.Name
            : context.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? AuditActor.ForUser(name)
            : null;

    private void Count(AuditEvent entry)
    {
        switch (entry.Type)
        {
            case AuditTypes.PasswordSignIn:
                metrics.Login(entry.Outcome == Success ? IdpMetrics.LoginOutcomes.Success : entry.Reason switch
                {
                    AuditReasons.UnknownUser => IdpMetrics.LoginOutcomes.UnknownUser,
                    AuditReasons.LockedOut => IdpMetrics.LoginOutcomes.LockedOut,
                    AuditReasons.AccountDisabled => IdpMetrics.LoginOutcomes.Disabled,
                    AuditReasons.NotAllowed => IdpMetrics.LoginOutcomes.NotAllowed,
                    _ => IdpMetrics.LoginOutcomes.Failure,
                });
                break;

            case AuditTypes.TotpSignIn or AuditTypes.RecoveryCodeSignIn or AuditTypes.PasskeySignIn:
                metrics.SecondFactorAttempt(FactorTag(entry.Factor), entry.Outcome == Success ? IdpMetrics.SecondFactorOutcomes.Success
                    : entry.Reason == AuditReasons.SecondFactorLocked ? IdpMetrics.SecondFactorOutcomes.LockedOut
                    : IdpMetrics.SecondFactorOutcomes.Failure);
                break;

            case AuditTypes.Lockout:
                metrics.Lockout(FactorTag(entry.Factor));
                break;
        }
    }

    private static string FactorTag(string? factor) => factor switch
    {
        "password" => IdpMetrics.Factors.Password,
        "totp" => IdpMetrics.Factors.Totp,
        "recovery-code" => IdpMetrics.Factors.RecoveryCode,
        "passkey" => IdpMetrics.Factors.Passkey,
        _ => "other",
    };

    /// <summary>The client behind a sign-in, read from the authorization request the user will return to.</summary>
    private static string? ClientIdFromReturnUrl(HttpRequest? request)
    {
        var returnUrl = request?.Query["returnUrl"].ToString() is { Length: > 0 } fromQuery ? fromQuery
            : request?.HasFormContentType == true ? request.Form["ReturnUrl"].ToString() : null;
        if (string.IsNullOrEmpty(returnUrl) || !returnUrl.Contains('?', StringComparison.Ordinal))
        {
            return null;
        }

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(returnUrl[returnUrl.IndexOf('?', StringComparison.Ordinal)..]);
        return query.TryGetValue("client_id", out var clientId) ? clientId.ToString() : null;
    }

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
