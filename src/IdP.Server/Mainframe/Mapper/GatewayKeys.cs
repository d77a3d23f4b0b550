using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// The gateway's public keys, from its <c>/gateway/api/v1/auth/keys/public/all</c> JWKS (API ML serves its own key
/// and, with z/OSMF as provider, z/OSMF's). Fetched on first use, again every <see cref="MapperOptions.GatewayKeysRefresh"/>,
/// and once early when a token names a <c>kid</c> we do not know (the gateway rotated its key).
/// </summary>
internal sealed partial class GatewayKeys(
    IHttpClientFactory httpClients, IOptions<MapperOptions> options, TimeProvider time, ILogger<GatewayKeys> logger) : IDisposable
{
    public const string HttpClientName = "idp-mapper-gateway-jwks";

    // An unknown kid refreshes at most this often, so junk tokens cannot make IdP hammer the gateway.
    private static readonly TimeSpan MinimumEarlyRefresh = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _current;

    private sealed record Snapshot(IReadOnlyList<SecurityKey> Keys, DateTimeOffset FetchedAt);

    public async Task<IReadOnlyList<SecurityKey>> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && time.GetUtcNow() - current.FetchedAt < options.Value.GatewayKeysRefresh)
        {
            return current.Keys;
        }

        return await RefreshAsync(current, cancellationToken);
    }

    /// <summary>Fetches again because a token named an unknown kid, unless the keys were fetched very recently.</summary>
    public async Task<IReadOnlyList<SecurityKey>> RefreshForUnknownKeyAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && time.GetUtcNow() - current.FetchedAt < MinimumEarlyRefresh)
        {
            return current.Keys;
        }

        return await RefreshAsync(current, cancellationToken);
    }

    private async Task<IReadOnlyList<SecurityKey>> RefreshAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(_current, seen) && _current is { } fresh)
            {
                return fresh.Keys; // another request refreshed while this one waited
            }

            var keys = new List<SecurityKey>();
            var failed = false;
            var http = httpClients.CreateClient(HttpClientName);
            foreach (var url in options.Value.GatewayJwksUrls)
            {
                try
                {
                    var jwks = new JsonWebKeySet(await http.GetStringAsync(new Uri(url), cancellationToken));
                    keys.AddRange(jwks.GetSigningKeys());
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or ArgumentException or InvalidOperationException)
                {
                    failed = true;
                    LogFetchFailed(logger, url, exception.GetType().Name, exception.Message);
                }
            }

            // A gateway that is briefly unreachable must not lock every caller out: keep the keys we had.
            if (failed && seen is not null && keys.Count == 0)
            {
                keys.AddRange(seen.Keys);
            }

            LogFetched(logger, keys.Count, options.Value.GatewayJwksUrls.Length);
            // After a failed fetch, try again soon rather than after the full refresh interval.
            var fetchedAt = time.GetUtcNow();
            if (failed && options.Value.GatewayKeysRefresh > MinimumEarlyRefresh)
            {
                fetchedAt -= options.Value.GatewayKeysRefresh - MinimumEarlyRefresh;
            }

            _current = new Snapshot(keys, fetchedAt);
            return keys;
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the gateway's public keys from {Url}: {Error}: {Message}")]
    private static partial void LogFetchFailed(ILogger logger, string url, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {Count} gateway public key(s) from {Sources} URL(s)")]
    private static partial void LogFetched(ILogger logger, int count, int sources);
}
