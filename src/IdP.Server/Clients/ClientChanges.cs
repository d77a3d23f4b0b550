using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Clients;

/// <summary>
/// A counter bumped in the same transaction as every change to a client (OpenIddict application) or scope. Each
/// instance polls it (one primary-key read) and reloads its <see cref="ClientCache"/> when it moves, so a change made
/// anywhere (another instance, the command line) is seen everywhere without a cluster protocol.
/// </summary>
public sealed class ClientChangeStamp
{
    public int Id { get; set; } = 1;

    public long Version { get; set; }
}

/// <summary>Reads and bumps the <see cref="ClientChangeStamp"/>, as <c>MappingChanges</c> does for mappings.</summary>
public static class ClientChanges
{
    // Compiled: this is the one query a warm client-credentials grant may run (once per poll interval).
    private static readonly Func<IdpDbContext, CancellationToken, Task<long>> Current =
        EF.CompileAsyncQuery((IdpDbContext db, CancellationToken _) =>
            db.ClientChangeStamps.AsNoTracking().Where(s => s.Id == 1).Select(s => s.Version).Single());

    /// <summary>Call inside the transaction that changes a client or scope, so the new version commits with it.</summary>
    public static Task BumpAsync(IdpDbContext db, CancellationToken cancellationToken = default)
        => db.ClientChangeStamps.Where(s => s.Id == 1)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Version, s => s.Version + 1), cancellationToken);

    public static Task<long> CurrentAsync(IdpDbContext db, CancellationToken cancellationToken = default)
        => Current(db, cancellationToken);
}
