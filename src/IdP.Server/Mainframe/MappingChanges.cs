using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Mainframe;

/// <summary>The mapping change stamp: every write bumps it (in its transaction), every cache compares it.</summary>
public static class MappingChanges
{
    /// <summary>Call inside the transaction that changes mappings, so the new version commits with the change.</summary>
    public static Task BumpAsync(IdpDbContext db, CancellationToken cancellationToken = default)
        => db.MappingChangeStamps.Where(s => s.Id == 1)
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.Version, s => s.Version + 1), cancellationToken);

    /// <summary>The current version: one primary-key read, cheap enough to poll on every lookup batch.</summary>
    public static Task<long> CurrentAsync(IdpDbContext db, CancellationToken cancellationToken = default)
        => db.MappingChangeStamps.AsNoTracking().Where(s => s.Id == 1).Select(s => s.Version).SingleAsync(cancellationToken);
}
