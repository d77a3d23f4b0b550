using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using IdP.Server.Administration;
using IdP.Server.Data;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Server.Clients;

/// <summary>
/// OpenIddict's per-request application cache, answered from the shared <see cref="ClientCache"/>. Within a request
/// one client is always the same object, as with OpenIddict's own cache: the one this request's DbContext already
/// tracks if any, else the copy handed out first.
/// </summary>
internal sealed class CachedApplications(ClientCacheView view, ClientCache cache, IdpDbContext db, IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store)
    : IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication>
{
    private readonly RequestIdentityMap<OpenIddictEntityFrameworkCoreApplication> _handedOut = new(db, a => a.Id);

    public ValueTask AddAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        _handedOut.Remember(application);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken)
    {
        _handedOut.Forget(application);
        return ValueTask.CompletedTask;
    }

    public ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
        => FindAsync(a => a.Id == identifier, s => s.ApplicationById(identifier), () => store.FindByIdAsync(identifier, cancellationToken), cancellationToken);

    public ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
        => FindAsync(a => a.ClientId == identifier, s => s.ApplicationByClientId(identifier), () => store.FindByClientIdAsync(identifier, cancellationToken), cancellationToken);

    // Lookups by URI are rare (end-session requests without a client_id) and not worth a cache.
    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken)
        => store.FindByPostLogoutRedirectUriAsync(uri, cancellationToken);

    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreApplication> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken)
        => store.FindByRedirectUriAsync(uri, cancellationToken);

    private async ValueTask<OpenIddictEntityFrameworkCoreApplication?> FindAsync(
        Func<OpenIddictEntityFrameworkCoreApplication, bool> match,
        Func<ClientCacheSnapshot, OpenIddictEntityFrameworkCoreApplication?> fromSnapshot,
        Func<ValueTask<OpenIddictEntityFrameworkCoreApplication?>> fromDatabase,
        CancellationToken cancellationToken)
    {
        if (_handedOut.Find(match) is { } known)
        {
            return known;
        }

        if (await view.GetAsync(cancellationToken) is { } snapshot && fromSnapshot(snapshot) is { } cached)
        {
            return _handedOut.Remember(cached);
        }

        // Unknown to the snapshot: perhaps created since, on another instance or by the command line. Misses are
        // not cached, so a new client works at once everywhere; only changes to known ones wait for the poll.
        var found = await fromDatabase();
        if (found is not null)
        {
            cache.PollSoon();
            _handedOut.Remember(found);
        }

        return found;
    }
}

/// <summary>OpenIddict's per-request scope cache, answered from the shared <see cref="ClientCache"/>.</summary>
internal sealed class CachedScopes(ClientCacheView view, ClientCache cache, IdpDbContext db, IOpenIddictScopeStore<OpenIddictEntityFrameworkCoreScope> store)
    : IOpenIddictScopeCache<OpenIddictEntityFrameworkCoreScope>
{
    private readonly RequestIdentityMap<OpenIddictEntityFrameworkCoreScope> _handedOut = new(db, s => s.Id);

    public ValueTask AddAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken)
    {
        _handedOut.Remember(scope);
        return ValueTask.CompletedTask;
    }

    public ValueTask RemoveAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken)
    {
        _handedOut.Forget(scope);
        return ValueTask.CompletedTask;
    }

    public async ValueTask<OpenIddictEntityFrameworkCoreScope?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
        => _handedOut.Find(s => s.Id == identifier)
           ?? await FromSnapshotAsync(s => s.ScopeById(identifier), cancellationToken)
           ?? FromDatabase(await store.FindByIdAsync(identifier, cancellationToken));

    public async ValueTask<OpenIddictEntityFrameworkCoreScope?> FindByNameAsync(string name, CancellationToken cancellationToken)
        => _handedOut.Find(s => s.Name == name)
           ?? await FromSnapshotAsync(s => s.ScopeByName(name), cancellationToken)
           ?? FromDatabase(await store.FindByNameAsync(name, cancellationToken));

    /// <summary>What the authorization and token endpoints ask twice per request (scope validation, then the audiences).</summary>
    public async IAsyncEnumerable<OpenIddictEntityFrameworkCoreScope> FindByNamesAsync(
        ImmutableArray<string> names, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var snapshot = await view.GetAsync(cancellationToken);
        var missing = new List<string>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            if ((_handedOut.Find(s => s.Name == name) ?? FromSnapshot(snapshot, s => s.ScopeByName(name))) is { } scope)
            {
                yield return scope;
            }

            // The OpenID Connect scopes (openid, profile, offline_access...) are built in, never stored: administration
            // refuses them as scope names. With a snapshot of the table to hand, their absence from it is the answer, not
            // a scope created since; without this every sign-in asked the database for them, twice, and found nothing.
            else if (snapshot is null || !ClientAdministration.BuiltInScopes.Contains(name))
            {
                missing.Add(name);
            }
        }

        if (missing.Count > 0)
        {
            await foreach (var scope in store.FindByNamesAsync([.. missing], cancellationToken))
            {
                yield return FromDatabase(scope)!;
            }
        }
    }

    // Resource lookups are not on any hot path (OpenIddict's handlers do not use them).
    public IAsyncEnumerable<OpenIddictEntityFrameworkCoreScope> FindByResourceAsync(string resource, CancellationToken cancellationToken)
        => store.FindByResourceAsync(resource, cancellationToken);

    private async ValueTask<OpenIddictEntityFrameworkCoreScope?> FromSnapshotAsync(
        Func<ClientCacheSnapshot, OpenIddictEntityFrameworkCoreScope?> lookup, CancellationToken cancellationToken)
        => FromSnapshot(await view.GetAsync(cancellationToken), lookup);

    private OpenIddictEntityFrameworkCoreScope? FromSnapshot(
        ClientCacheSnapshot? snapshot, Func<ClientCacheSnapshot, OpenIddictEntityFrameworkCoreScope?> lookup)
        => snapshot is not null && lookup(snapshot) is { } scope ? _handedOut.Remember(scope) : null;

    // A scope the snapshot lacks but the database has was created since: use it, and read the stamp soon.
    private OpenIddictEntityFrameworkCoreScope? FromDatabase(OpenIddictEntityFrameworkCoreScope? scope)
    {
        if (scope is not null)
        {
            cache.PollSoon();
            _handedOut.Remember(scope);
        }

        return scope;
    }
}

/// <summary>
/// The entities one request has been given. The request's DbContext comes first: OpenIddict's stores return the
/// entity it tracks, and EF Core refuses to track a second object with the same key.
/// </summary>
internal sealed class RequestIdentityMap<T>(IdpDbContext db, Func<T, string?> key) where T : class
{
    private readonly Dictionary<string, T> _entities = new(StringComparer.Ordinal);

    public T? Find(Func<T, bool> match)
    {
        if (db.ChangeTracker.FindTracked(match) is { } tracked)
        {
            return tracked;
        }

        foreach (var entity in _entities.Values)
        {
            if (match(entity))
            {
                return entity;
            }
        }

        return null;
    }

    public T Remember(T entity)
    {
        if (key(entity) is { } id)
        {
            _entities[id] = entity;
        }

        return entity;
    }

    public void Forget(T entity)
    {
        if (key(entity) is { } id)
        {
            _entities.Remove(id);
        }
    }
}
