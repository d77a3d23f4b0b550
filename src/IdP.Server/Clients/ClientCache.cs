using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Server.Clients;

/// <summary>
/// Every client (OpenIddict application) and scope, held in memory as of one version of the
/// <see cref="ClientChangeStamp"/>, so that a warm client-credentials grant needs no database query.
/// </summary>
/// <remarks>
/// OpenIddict's own entity cache lives for one request (it is registered per scope), so it saves repeated lookups
/// within a request and nothing across requests. This one is shared by all requests of an instance and stays correct
/// across instances: each instance reads the change stamp every <see cref="ClientCacheOptions.ChangePollInterval"/>
/// and reloads when it has moved, and a change made by this instance is seen here at once
/// (<see cref="ClientChangeRecorder"/>). The tables are small (clients and scopes, not tokens), so the whole of both
/// is loaded: a snapshot is consistent, and lookups by id, client id or name all answer from it.
/// </remarks>
public sealed class ClientCache(IServiceScopeFactory scopes, IOptions<ClientCacheOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ClientCacheSnapshot? _snapshot;
    private long _knownVersion = -1; // the newest committed stamp this instance knows of; only ever grows
    private long _polledAtTicks = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>The current snapshot, or null when the cache is turned off.</summary>
    public async ValueTask<ClientCacheSnapshot?> GetAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return null;
        }

        if (settings.ChangePollInterval == TimeSpan.Zero)
        {
            // Every request reads the stamp itself, concurrently; no request waits for another's poll.
            Observe(await ReadStampAsync(cancellationToken));
        }

        var snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && !PollDue(settings) && IsFresh(snapshot, settings))
        {
            return snapshot;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (PollDue(settings))
            {
                var polledAt = time.GetUtcNow().UtcTicks;
                Observe(await ReadStampAsync(cancellationToken));
                Interlocked.Exchange(ref _polledAtTicks, polledAt);
            }

            snapshot = Volatile.Read(ref _snapshot);
            if (snapshot is null || !IsFresh(snapshot, settings))
            {
                snapshot = await LoadAsync(cancellationToken);
                Volatile.Write(ref _snapshot, snapshot);
                Observe(snapshot.Version);
            }

            return snapshot;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A change committed as <paramref name="version"/>: nothing older is served from now on.</summary>
    public void Observe(long version)
    {
        var known = Interlocked.Read(ref _knownVersion);
        while (version > known)
        {
            var seen = Interlocked.CompareExchange(ref _knownVersion, version, known);
            if (seen == known)
            {
                return;
            }

            known = seen;
        }
    }

    /// <summary>Whether nothing newer than <paramref name="snapshot"/> has been committed, as far as this instance knows.</summary>
    public bool IsCurrent(ClientCacheSnapshot snapshot) => snapshot.Version >= Interlocked.Read(ref _knownVersion);

    /// <summary>Read the stamp at the next request rather than after the interval (something may have changed).</summary>
    public void PollSoon() => Interlocked.Exchange(ref _polledAtTicks, DateTimeOffset.MinValue.UtcTicks);

    public void Dispose() => _gate.Dispose();

    private bool PollDue(ClientCacheOptions settings)
        => settings.ChangePollInterval > TimeSpan.Zero
           && time.GetUtcNow().UtcTicks - Interlocked.Read(ref _polledAtTicks) >= settings.ChangePollInterval.Ticks;

    private bool IsFresh(ClientCacheSnapshot snapshot, ClientCacheOptions settings)
        => IsCurrent(snapshot) && time.GetUtcNow() - snapshot.LoadedAt < settings.MaxAge;

    // Its own DbContext: the cache must never read through a caller's open transaction (uncommitted rows under a
    // stamp that may yet roll back), nor add to the caller's change tracker.
    private async Task<long> ReadStampAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await ClientChanges.CurrentAsync(scope.ServiceProvider.GetRequiredService<IdpDbContext>(), cancellationToken);
    }

    private async Task<ClientCacheSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        var loadedAt = time.GetUtcNow();

        // The stamp first, then the rows: every change whose bump committed before the stamp read is in the rows, so
        // the snapshot is at least as new as its label. (A later change may be in them too; the label is then older
        // than the content, and the next poll merely reloads.)
        var version = await ClientChanges.CurrentAsync(db, cancellationToken);
        var applications = await db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking().ToListAsync(cancellationToken);
        var scopeRows = await db.Set<OpenIddictEntityFrameworkCoreScope>().AsNoTracking().ToListAsync(cancellationToken);
        return new ClientCacheSnapshot(version, loadedAt, applications, scopeRows);
    }
}

/// <summary>
/// The <see cref="ClientCache"/> as one request sees it: the snapshot is fetched (and the stamp polled, when due) once
/// per request, not once per lookup; only a change committed meanwhile makes the request fetch it again.
/// </summary>
internal sealed class ClientCacheView(ClientCache cache)
{
    private ClientCacheSnapshot? _snapshot;

    public async ValueTask<ClientCacheSnapshot?> GetAsync(CancellationToken cancellationToken)
    {
        if (_snapshot is not null && cache.IsCurrent(_snapshot))
        {
            return _snapshot;
        }

        return _snapshot = await cache.GetAsync(cancellationToken);
    }
}

/// <summary>
/// The clients and scopes as of one stamp version. The rows are never handed out: OpenIddict's stores change the
/// entities they are given (concurrency tokens, EF Core navigation fix-up), so each request gets its own copies.
/// </summary>
public sealed class ClientCacheSnapshot
{
    private readonly FrozenDictionary<string, OpenIddictEntityFrameworkCoreApplication> _applicationsById;
    private readonly FrozenDictionary<string, OpenIddictEntityFrameworkCoreApplication> _applicationsByClientId;
    private readonly FrozenDictionary<string, OpenIddictEntityFrameworkCoreScope> _scopesById;
    private readonly FrozenDictionary<string, OpenIddictEntityFrameworkCoreScope> _scopesByName;

    internal ClientCacheSnapshot(
        long version, DateTimeOffset loadedAt,
        IReadOnlyCollection<OpenIddictEntityFrameworkCoreApplication> applications, IReadOnlyCollection<OpenIddictEntityFrameworkCoreScope> scopes)
    {
        Version = version;
        LoadedAt = loadedAt;
        _applicationsById = applications.ToFrozenDictionary(a => a.Id!, StringComparer.Ordinal);
        _applicationsByClientId = applications.Where(a => a.ClientId is not null).ToFrozenDictionary(a => a.ClientId!, StringComparer.Ordinal);
        _scopesById = scopes.ToFrozenDictionary(s => s.Id!, StringComparer.Ordinal);
        _scopesByName = scopes.Where(s => s.Name is not null).ToFrozenDictionary(s => s.Name!, StringComparer.Ordinal);
    }

    public long Version { get; }

    public DateTimeOffset LoadedAt { get; }

    public OpenIddictEntityFrameworkCoreApplication? ApplicationById(string id) => Copy(_applicationsById.GetValueOrDefault(id));

    public OpenIddictEntityFrameworkCoreApplication? ApplicationByClientId(string clientId) => Copy(_applicationsByClientId.GetValueOrDefault(clientId));

    public OpenIddictEntityFrameworkCoreScope? ScopeById(string id) => Copy(_scopesById.GetValueOrDefault(id));

    public OpenIddictEntityFrameworkCoreScope? ScopeByName(string name) => Copy(_scopesByName.GetValueOrDefault(name));

    private static T? Copy<T>(T? row) where T : class, new() => row is null ? null : Columns<T>.Copy(row);

    /// <summary>Copies an entity's columns (strings and values), leaving navigation collections new and empty.</summary>
    /// <remarks>
    /// Every request that authenticates a client gets a copy, so the copy is compiled once per entity type
    /// (<c>row => new T { Id = row.Id, ClientId = row.ClientId, … }</c>) rather than done property by property through
    /// reflection, which cost as much as the rest of the client lookup. The columns are still found by reflection, so
    /// a column OpenIddict adds is copied without a change here.
    /// </remarks>
    internal static class Columns<T> where T : class, new()
    {
        public static IReadOnlyList<PropertyInfo> Properties { get; } = [.. typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.CanWrite && (p.PropertyType == typeof(string) || p.PropertyType.IsValueType))];

        public static Func<T, T> Copy { get; } = Compile();

        private static Func<T, T> Compile()
        {
            var row = Expression.Parameter(typeof(T), "row");
            var copy = Expression.MemberInit(
                Expression.New(typeof(T)),
                Properties.Select(p => Expression.Bind(p, Expression.Property(row, p))));
            return Expression.Lambda<Func<T, T>>(copy, row).Compile();
        }
    }
}
