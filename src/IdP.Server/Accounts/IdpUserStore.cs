using IdP.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Accounts;

/// <summary>
/// Identity's user store, with the two lookups every sign-in makes (by id: four times; by user name: once) as
/// compiled queries. Identity's own build a LINQ expression per call that EF Core must then walk to extract its
/// parameters and look up in its query cache; a compiled query skips both. Results are the same tracked entities.
/// </summary>
public sealed class IdpUserStore(IdpDbContext context, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<IdpUser, IdpDbContext>(context, describer)
{
    private static readonly Func<IdpDbContext, string, CancellationToken, Task<IdpUser?>> UserById =
        EF.CompileAsyncQuery((IdpDbContext db, string id, CancellationToken cancellationToken) => db.Users.FirstOrDefault(u => u.Id == id));

    private static readonly Func<IdpDbContext, string, CancellationToken, Task<IdpUser?>> UserByNormalizedName =
        EF.CompileAsyncQuery((IdpDbContext db, string name, CancellationToken cancellationToken) => db.Users.FirstOrDefault(u => u.NormalizedUserName == name));

    public override Task<IdpUser?> FindByIdAsync(string userId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();

        // As DbSet.Find: the account this request already tracks is the answer, without a query.
        return Context.ChangeTracker.FindTracked<IdpUser>(user => user.Id == userId) is { } tracked
            ? Task.FromResult<IdpUser?>(tracked)
            : UserById(Context, userId, cancellationToken);
    }

    public override Task<IdpUser?> FindByNameAsync(string normalizedUserName, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        return UserByNormalizedName(Context, normalizedUserName, cancellationToken);
    }
}
