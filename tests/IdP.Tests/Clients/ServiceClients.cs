using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Mainframe;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Clients;

/// <summary>Client-credentials services as an administrator registers and changes them, on one IdP instance.</summary>
internal static class ServiceClients
{
    /// <summary>A confidential client_credentials client with the given scopes; returns its secret.</summary>
    public static async Task<string> AddAsync(IdpFactory idp, string clientId, params string[] scopes)
        => (await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], scopes)))!;

    public static Task AddScopeAsync(IdpFactory idp, string name, string resource)
        => idp.AdministerAsync(services => services.GetRequiredService<ScopeAdministration>().AddAsync(name, [resource], null));

    public static Task<string> RotateSecretAsync(IdpFactory idp, string clientId)
        => idp.AdministerAsync(services => services.GetRequiredService<ClientAdministration>().RotateSecretAsync(clientId));

    public static Task DeleteAsync(IdpFactory idp, string clientId)
        => idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<ClientAdministration>().DeleteAsync(clientId);
            return true;
        });

    /// <summary>Withdraws the client_credentials grant through OpenIddict's manager, as any administrative tool would.</summary>
    public static Task WithdrawClientCredentialsAsync(IdpFactory idp, string clientId)
        => idp.AdministerAsync(async services =>
        {
            var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
            var application = (await applications.FindByClientIdAsync(clientId))!;
            var descriptor = new OpenIddictApplicationDescriptor();
            await applications.PopulateAsync(descriptor, application);
            descriptor.Permissions.Remove(Permissions.GrantTypes.ClientCredentials);
            await applications.UpdateAsync(application, descriptor);
            return true;
        });

    /// <summary>Maps a client to a mainframe user ID in <paramref name="registry"/>, as `idp mappings add` would.</summary>
    public static Task MapToMainframeUserAsync(IdpFactory idp, string clientId, string registry, string userId)
        => idp.AdministerAsync(async services =>
        {
            var db = services.GetRequiredService<IdpDbContext>();
            db.IdentityMappings.Add(new IdentityMapping { DistributedId = clientId, Registry = registry, MainframeUserId = userId, Kind = IdentityMapping.ClientKind });
            await db.SaveChangesAsync();
            await MappingChanges.BumpAsync(db);
            return true;
        });

    /// <summary>The ClientSecret column as stored.</summary>
    public static Task<string?> StoredSecretAsync(IdpFactory idp, string clientId)
        => idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().Set<OpenIddictEntityFrameworkCoreApplication>()
            .AsNoTracking().Where(a => a.ClientId == clientId).Select(a => a.ClientSecret).SingleAsync());

    public static Task<TokenResponse> TokenAsync(IdpFactory idp, string clientId, string secret, string? scope = null)
        => new OidcClient(idp.CreateClient(), clientId, secret).ClientCredentialsAsync(scope);
}
