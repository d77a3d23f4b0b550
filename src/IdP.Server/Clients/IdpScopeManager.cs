using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Server.Clients;

/// <summary>OpenIddict's scope manager, with every change recorded in the client change stamp.</summary>
internal sealed class IdpScopeManager(
    IOpenIddictScopeCache<OpenIddictEntityFrameworkCoreScope> cache,
    ILogger<OpenIddictScopeManager<OpenIddictEntityFrameworkCoreScope>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictScopeStore<OpenIddictEntityFrameworkCoreScope> store,
    ClientChangeRecorder changes)
    : OpenIddictScopeManager<OpenIddictEntityFrameworkCoreScope>(cache, logger, options, store)
{
    // The other CreateAsync and UpdateAsync overloads end in these.
    public override ValueTask CreateAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken = default)
        => changes.RecordAsync(() => base.CreateAsync(scope, cancellationToken), cancellationToken);

    public override ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken = default)
    {
        changes.Track(scope);
        return changes.RecordAsync(() => base.UpdateAsync(scope, cancellationToken), cancellationToken);
    }

    public override ValueTask DeleteAsync(OpenIddictEntityFrameworkCoreScope scope, CancellationToken cancellationToken = default)
    {
        changes.Track(scope);
        return changes.RecordAsync(() => base.DeleteAsync(scope, cancellationToken), cancellationToken);
    }
}
