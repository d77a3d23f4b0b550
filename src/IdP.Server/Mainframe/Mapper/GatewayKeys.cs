using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// The keys that may sign the gateway's cookie JWT: the RSA keys of the gateway's JWKS
/// (<c>/gateway/api/v1/auth/keys/public/all</c>), minus IdP's own. API ML publishes its own key there with no
/// <c>kid</c>, z/OSMF's keys when z/OSMF is its provider, and its OIDC provider's whole key set, which is IdP's: a
/// token IdP signed must never pass as the gateway's, so IdP's keys are taken out of the set at every use.
/// Fetched on first use, again every <see cref="MapperOptions.GatewayKeysRefresh"/>, and once early (at most every
/// 30 s) when no key verifies a token's signature (the gateway may have a new key).
/// </summary>
internal sealed partial class GatewayKeys(
    IHttpClientFactory httpClients, IOptions<MapperOptions> options, IOptionsMonitor<OpenIddictServerOptions> idpServer, TimeProvider time,
    ILogger<GatewayKeys> logger) : IDisposable
{
    public const string HttpClientName = "idp-mapper-gateway-jwks";

    // An early refresh happens at most this often, so forged tokens cannot make IdP hammer the gateway.
    private static readonly TimeSpan MinimumEarlyRefresh = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot? _current;
    private volatile Usable? _usable;

    /// <summary>One RSA key of the gateway's JWKS (its <c>alg</c>, when named, pins the algorithm) and its RFC 7638 thumbprint.</summary>
    private sealed record GatewayKey(JsonWebKey Key, string Thumbprint);

    /// <summary>The keys as fetched, and when.</summary>
    private sealed record Snapshot(IReadOnlyList<GatewayKey> Keys, DateTimeOffset FetchedAt);

    /// <summary>A snapshot without IdP's own keys, for one generation of IdP's key ring (the options are rebuilt when it changes).</summary>
    private sealed record Usable(Snapshot From, OpenIddictServerOptions Idp, IReadOnlyList<JsonWebKey> Keys);

    public async Task<IReadOnlyList<JsonWebKey>> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is null || time.GetUtcNow() - current.FetchedAt >= options.Value.GatewayKeysRefresh)
        {
            current = await RefreshAsync(current, cancellationToken);
        }

        return WithoutIdpKeys(current);
    }

    /// <summary>
    /// Fetches again because no key verified a token's signature, unless the keys were fetched very recently.
    /// Null when that gave no new key set (there is nothing new to try).
    /// </summary>
    public async Task<IReadOnlyList<JsonWebKey>?> RefreshForUnverifiedTokenAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && time.GetUtcNow() - current.FetchedAt < MinimumEarlyRefresh)
        {
            return null;
        }

        var fresh = await RefreshAsync(current, cancellationToken);
        return ReferenceEquals(fresh, current) ? null : WithoutIdpKeys(fresh);
    }

    private IReadOnlyList<JsonWebKey> WithoutIdpKeys(Snapshot snapshot)
    {
        var idp = idpServer.CurrentValue;
        var usable = _usable;
        if (usable is not null && ReferenceEquals(usable.From, snapshot) && ReferenceEquals(usable.Idp, idp))
        {
            return usable.Keys;
        }

        var own = idp.SigningCredentials.Select(c => c.Key).Where(k => k.CanComputeJwkThumbprint())
            .Select(k => Base64UrlEncoder.Encode(k.ComputeJwkThumbprint())).ToHashSet(StringComparer.Ordinal);
        var keys = snapshot.Keys.Where(k => !own.Contains(k.Thumbprint)).Select(k => k.Key).ToList();
        if (keys.Count < snapshot.Keys.Count)
        {
            LogOwnKeysSkipped(logger, snapshot.Keys.Count - keys.Count);
        }

        _usable = new Usable(snapshot, idp, keys);
        return keys;
    }

    private async Task<Snapshot> RefreshAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (!ReferenceEquals(_current, seen) && _current is { } fresh)
            {
                return fresh; // another request refreshed while this one waited
            }

            var keys = new List<GatewayKey>();
            var failed = false;
            var http = httpClients.CreateClient(HttpClientName);
            foreach (var url in options.Value.GatewayJwksUrls)
            {
                try
                {
                    keys.AddRange(RsaKeysOf(new JsonWebKeySet(await http.GetStringAsync(new Uri(url), cancellationToken))));
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

            var snapshot = new Snapshot(keys, fetchedAt);
            _current = snapshot;
            return snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// The set's RSA signature keys: API ML and z/OSMF sign with RSA, and an EC or symmetric key in the set is not
    /// theirs. A key marked for encryption (<c>use: enc</c>, RFC 7517 §4.2) is left out.
    /// </summary>
    private static IEnumerable<GatewayKey> RsaKeysOf(JsonWebKeySet set)
    {
        foreach (var jwk in set.Keys)
        {
            if (jwk.Kty == JsonWebAlgorithmsKeyTypes.RSA && (string.IsNullOrEmpty(jwk.Use) || jwk.Use == JsonWebKeyUseNames.Sig)
                && jwk.CanComputeJwkThumbprint())
            {
                yield return new GatewayKey(jwk, Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()));
            }
        }
    }

    public void Dispose() => _refresh.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not fetch the gateway's public keys from {Url}: {Error}: {Message}")]
    private static partial void LogFetchFailed(ILogger logger, string url, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched {Count} gateway RSA public key(s) from {Sources} URL(s)")]
    private static partial void LogFetched(ILogger logger, int count, int sources);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "The gateway's key set lists {Count} of IdP's own signing keys (API ML adds its OIDC provider's keys); they never verify a gateway cookie")]
    private static partial void LogOwnKeysSkipped(ILogger logger, int count);
}
