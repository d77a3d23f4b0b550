using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Clients;

/// <summary>
/// Commits a change to a client or scope together with a bump of the <see cref="ClientChangeStamp"/>, then tells
/// this instance's <see cref="ClientCache"/> at once. Other instances see the new stamp at their next poll.
/// </summary>
internal sealed class ClientChangeRecorder(IdpDbContext db, ClientCache cache)
{
    /// <summary>
    /// Makes this request's DbContext track an entity about to be updated or deleted. Copies handed out by the
    /// <see cref="ClientCache"/> are not tracked, and OpenIddict's validation looks the entity up again through its
    /// store, which would otherwise load a second instance with the same key and make the update fail.
    /// </summary>
    public void Track<T>(T entity) where T : class
    {
        if (db.Entry(entity).State == EntityState.Detached)
        {
            db.Attach(entity);
        }
    }

    public async ValueTask RecordAsync(Func<ValueTask> change, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            // The caller's transaction decides: the stamp commits or rolls back with the change. Note: this instance
            // cannot know when that is, so it learns of the change at its next poll, like every other instance.
            await change();
            await ClientChanges.BumpAsync(db, cancellationToken);
            cache.PollSoon();
            return;
        }

        // Execution strategy: a provider that retries transient failures requires the transaction inside it.
        var version = await db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await change();
            var bumped = await BumpAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return bumped;
        });

        // After the commit: from now on this instance serves nothing older than the change.
        cache.Observe(version);
    }

    private async Task<long> BumpAsync(CancellationToken cancellationToken)
    {
        await ClientChanges.BumpAsync(db, cancellationToken);
        return await ClientChanges.CurrentAsync(db, cancellationToken);
    }
}
