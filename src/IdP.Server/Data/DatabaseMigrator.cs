using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Data;

/// <summary>Applies EF Core migrations from <c>migrations/</c>: the schema is only ever built by migrations, so it has a history.</summary>
public sealed class DatabaseMigrator(IdpDbContext db, DatabaseLock databaseLock, ILogger<DatabaseMigrator> logger)
{
    public const string LockName = "migrations";

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        // Instances started together queue here: the first migrates, the others then find nothing pending.
        await using var migrationLock = await databaseLock.AcquireAsync(LockName, cancellationToken);

        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            logger.LogDebug("Database schema is current");
            return pending;
        }

        logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync(cancellationToken);
        return pending;
    }
}
