using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace IdP.Server.Housekeeping;

/// <summary>What one housekeeping run deleted.</summary>
public sealed record PruneResult(long Tokens, long Authorizations, long AuditEvents);

/// <summary>
/// Deletes expired protocol state and old audit events, in bounded batches so no statement holds SQLite's write
/// lock for long. Every delete is idempotent (a row already gone is simply not deleted again), so two instances
/// running it at once on the same database only duplicate work; electing one instance is left to the PostgreSQL step.
/// </summary>
public sealed partial class Housekeeper(
    IdpDbContext db,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IOptions<HousekeepingOptions> options,
    IOptions<AuditOptions> audit,
    TimeProvider time,
    ILogger<Housekeeper> logger)
{
    /// <summary>Rows per delete statement: small enough that sign-ins waiting for the write lock barely notice.</summary>
    public const int BatchSize = 1_000;

    public async Task<PruneResult> PruneAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();

        // OpenIddict's EF Core stores already delete in batches of 1,000, each in its own transaction. Tokens first:
        // an authorization is only prunable once its tokens are gone. Device codes are tokens too.
        var prunedTokens = await tokens.PruneAsync(now - options.Value.TokenRetention, cancellationToken);
        var prunedAuthorizations = await authorizations.PruneAsync(now - options.Value.TokenRetention, cancellationToken);
        var prunedAudit = await PruneAuditAsync(now - audit.Value.Retention, cancellationToken);

        LogPruned(logger, prunedTokens, prunedAuthorizations, prunedAudit);
        return new PruneResult(prunedTokens, prunedAuthorizations, prunedAudit);
    }

    /// <summary>
    /// SQLite cannot compare <see cref="DateTimeOffset"/> columns in SQL, so the oldest rows are read by id (which
    /// follows insertion, and so time) a batch at a time, filtered here, and deleted by id. The scan stops at the
    /// first batch without an old row: what follows is newer. A row written out of order (a clock skewed between
    /// instances) may survive one run and goes in a later one.
    /// </summary>
    private async Task<long> PruneAuditAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long deleted = 0;
        long after = 0;
        while (true)
        {
            var batch = await db.AuditEvents.AsNoTracking()
                .Where(e => e.Id > after)
                .OrderBy(e => e.Id)
                .Take(BatchSize)
                .Select(e => new { e.Id, e.At })
                .ToListAsync(cancellationToken);
            var old = batch.Where(e => e.At < cutoff).Select(e => e.Id).ToList();
            if (old.Count > 0)
            {
                deleted += await db.AuditEvents.Where(e => old.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken);
            }

            if (old.Count == 0 || batch.Count < BatchSize)
            {
                return deleted;
            }

            after = batch[^1].Id;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Housekeeping deleted {Tokens} token(s), {Authorizations} authorization(s) and {AuditEvents} audit event(s).")]
    private static partial void LogPruned(ILogger logger, long tokens, long authorizations, long auditEvents);
}
