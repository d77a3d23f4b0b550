using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Data;

/// <summary>Applies EF Core migrations from <c>migrations/</c>: the schema is only ever built by migrations, so it has a history.</summary>
public sealed class DatabaseMigrator(IdpDbContext db, ILogger<DatabaseMigrator> logger)
{
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default)
    {
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
