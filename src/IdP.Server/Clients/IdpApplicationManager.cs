using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Server.Clients;

/// <summary>
/// OpenIddict's application manager with two changes: client secrets are stored as SHA-256 digests instead of
/// PBKDF2 hashes (docs/client-authentication.md), and every change is recorded in the client change stamp so the
/// <see cref="ClientCache"/> of every instance drops what it holds.
/// </summary>
internal sealed partial class IdpApplicationManager(
    IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication> cache,
    ILogger<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OpenIddictEntityFrameworkCoreApplication> store,
    ClientChangeRecorder changes,
    IServiceScopeFactory scopes)
    : OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>(cache, logger, options, store)
{
    // The other CreateAsync and UpdateAsync overloads end in these.
    public override ValueTask CreateAsync(OpenIddictEntityFrameworkCoreApplication application, string? secret, CancellationToken cancellationToken = default)
        => changes.RecordAsync(() => base.CreateAsync(application, secret, cancellationToken), cancellationToken);

    public override ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        changes.Track(application);
        return changes.RecordAsync(() => base.UpdateAsync(application, cancellationToken), cancellationToken);
    }

    public override ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreApplication application, CancellationToken cancellationToken = default)
    {
        changes.Track(application);
        return changes.RecordAsync(() => base.DeleteAsync(application, cancellationToken), cancellationToken);
    }

    /// <summary>A secret IdP generated (256 random bits) is stored as its SHA-256 digest; anything weaker is refused.</summary>
    protected override ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default)
    {
        // A fast digest protects only a secret nobody can guess; a human-chosen one would need a slow KDF, so IdP
        // does not store one at all. Every path that sets a secret generates it (ClientSecrets.Generate).
        if (!ClientSecrets.IsHighEntropy(secret))
        {
            throw new ArgumentException(
                $"A client secret must be at least {ClientSecrets.MinimumBytes} random bytes (base64url or hex); IdP generates secrets itself.",
                nameof(secret));
        }

        return ValueTask.FromResult(ClientSecrets.Digest(secret));
    }

    /// <summary>A <c>sha256:</c> digest is checked here; anything else is an older PBKDF2 hash, which OpenIddict checks.</summary>
    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default)
        => ClientSecrets.IsDigest(comparand)
            ? ValueTask.FromResult(ClientSecrets.MatchesDigest(secret, comparand))
            : base.ValidateClientSecretAsync(secret, comparand, cancellationToken);

    /// <summary>
    /// Checks the secret (RFC 6749 §2.3.1) and, when it is still stored as a PBKDF2 hash from before, replaces that
    /// hash with the digest, once, so the next request is fast. A legacy secret that does not look like 256 random
    /// bits keeps its PBKDF2 hash: for a guessable secret the slow KDF is what protects a stolen database.
    /// </summary>
    public override async ValueTask<bool> ValidateClientSecretAsync(
        OpenIddictEntityFrameworkCoreApplication application, string secret, CancellationToken cancellationToken = default)
    {
        if (!await base.ValidateClientSecretAsync(application, secret, cancellationToken))
        {
            return false;
        }

        if (!ClientSecrets.IsDigest(application.ClientSecret) && ClientSecrets.IsHighEntropy(secret))
        {
            await UpgradeStoredSecretAsync(application.Id!, application.ClientSecret!, secret, cancellationToken);
        }

        return true;
    }

    private async Task UpgradeStoredSecretAsync(string id, string legacyHash, string secret, CancellationToken cancellationToken)
    {
        // Its own scope, so the write neither joins nor disturbs the request's DbContext (whose entities OpenIddict
        // is still using).
        await using var scope = scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<OpenIddictApplicationManager<OpenIddictEntityFrameworkCoreApplication>>();
        try
        {
            // The row as committed, not the cache's copy (which may predate a change made on another instance), and
            // only if its secret is still the one just checked: a rotation in between must win. The concurrency
            // token guards the rest of the way.
            var current = await scope.ServiceProvider.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreApplication>()
                .AsTracking().FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
            if (current is not null && current.ClientSecret == legacyHash)
            {
                await manager.UpdateAsync(current, secret, cancellationToken);
                LogSecretUpgraded(Logger, current.ClientId);
            }
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            // Another request upgraded (or an administrator changed) the client at the same moment: nothing to do.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Client {ClientId}: stored secret upgraded from a PBKDF2 hash to a SHA-256 digest")]
    private static partial void LogSecretUpgraded(ILogger logger, string? clientId);
}
