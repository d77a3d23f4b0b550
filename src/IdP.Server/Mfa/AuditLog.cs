using IdP.Server.Accounts;
using IdP.Server.Data;

namespace IdP.Server.Mfa;

/// <summary>
/// Writes authentication attempts and security changes to the audit table, and as structured logs. It uses its
/// own database scope so an audit row never commits (or rolls back) someone else's pending changes.
/// </summary>
public sealed class AuditLog(IServiceScopeFactory scopeFactory, IHttpContextAccessor httpContext, TimeProvider time, ILogger<AuditLog> logger)
{
    public const string Success = "success";
    public const string Failure = "failure";

    public Task WriteAsync(string type, string outcome, IdpUser? user, string? factor = null, string? reason = null,
        string? clientId = null, CancellationToken cancellationToken = default)
        => WriteForUserIdAsync(type, outcome, user?.Id, user?.UserName, factor, reason, clientId, cancellationToken);

    /// <summary>For events known only by user id (e.g. from the passkey handler).</summary>
    public async Task WriteForUserIdAsync(string type, string outcome, string? userId, string? userName, string? factor = null, string? reason = null,
        string? clientId = null, CancellationToken cancellationToken = default)
    {
        var request = httpContext.HttpContext?.Request;
        var entry = new AuditEvent
        {
            At = time.GetUtcNow(),
            Type = type,
            Outcome = outcome,
            UserId = userId,
            UserName = userName,
            Factor = factor,
            Reason = Truncate(reason, 256),
            ClientId = Truncate(clientId ?? ClientIdFromReturnUrl(request), 100),
            IpAddress = httpContext.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = Truncate(request?.Headers.UserAgent.ToString(), 512),
        };

        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            db.AuditEvents.Add(entry);
            await db.SaveChangesAsync(cancellationToken);
        }

        logger.LogInformation("Audit {Type} {Outcome} user={UserName} factor={Factor} client={ClientId} ip={IpAddress} reason={Reason}",
            entry.Type, entry.Outcome, entry.UserName, entry.Factor, entry.ClientId, entry.IpAddress, entry.Reason);
    }

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
