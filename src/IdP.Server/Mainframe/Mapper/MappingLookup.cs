using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// (distributed id, registry) → mainframe user ID, through a short in-memory cache. The cache is keyed by the
/// mapping change stamp, which every mapping write bumps in its transaction: when any instance changes a mapping,
/// every instance sees the stamp move within <see cref="MapperOptions.ChangePollInterval"/> and stops using what it
/// cached before. No cluster protocol is needed, only one primary-key read per poll.
/// </summary>
internal sealed class MappingLookup(IMemoryCache cache, IOptions<MapperOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _poll = new(1, 1);
    private long _version = -1;
    private long _polledAtTicks = DateTimeOffset.MinValue.UtcTicks; // read outside the lock, so a long

    /// <summary>The user ID, or null when nothing maps the pair. Cached says whether the answer came from the cache.</summary>
    /// <param name="requestServices">
    /// The request's services: a database context is taken from them only when the change stamp is polled or the
    /// cache misses, so an answer from the cache costs no context from the pool.
    /// </param>
    public async Task<(string? UserId, bool Cached)> FindAsync(
        IServiceProvider requestServices, string distributedId, string registry, CancellationToken cancellationToken)
    {
        var version = await CurrentVersionAsync(requestServices, cancellationToken);
        var key = new CacheKey(version, distributedId, registry);
        if (options.Value.CacheDuration > TimeSpan.Zero && cache.TryGetValue(key, out CachedAnswer? cached) && cached is not null)
        {
            return (cached.UserId, true);
        }

        // Uses the unique (DistributedId, Registry) index.
        var userId = await requestServices.GetRequiredService<IdpDbContext>().IdentityMappings.AsNoTracking()
            .Where(m => m.DistributedId == distributedId && m.Registry == registry)
            .Select(m => m.MainframeUserId)
            .SingleOrDefaultAsync(cancellationToken);

        if (options.Value.CacheDuration > TimeSpan.Zero)
        {
            // Entries of an older version are never read again; they expire with the duration.
            cache.Set(key, new CachedAnswer(userId), new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.Value.CacheDuration, Size = 1 });
        }

        return (userId, false);
    }

    private async Task<long> CurrentVersionAsync(IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        var interval = options.Value.ChangePollInterval;
        if (interval > TimeSpan.Zero && time.GetUtcNow().UtcTicks - Interlocked.Read(ref _polledAtTicks) < interval.Ticks)
        {
            return Interlocked.Read(ref _version);
        }

        await _poll.WaitAsync(cancellationToken);
        try
        {
            if (interval > TimeSpan.Zero && time.GetUtcNow().UtcTicks - Interlocked.Read(ref _polledAtTicks) < interval.Ticks)
            {
                return Interlocked.Read(ref _version); // another request polled while this one waited
            }

            var version = await MappingChanges.CurrentAsync(requestServices.GetRequiredService<IdpDbContext>(), cancellationToken);
            Interlocked.Exchange(ref _version, version);
            Interlocked.Exchange(ref _polledAtTicks, time.GetUtcNow().UtcTicks);
            return version;
        }
        finally
        {
            _poll.Release();
        }
    }

    public void Dispose() => _poll.Dispose();

    private sealed record CacheKey(long Version, string DistributedId, string Registry);

    private sealed record CachedAnswer(string? UserId);
}
