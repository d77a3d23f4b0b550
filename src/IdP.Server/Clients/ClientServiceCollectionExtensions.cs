using IdP.Server.Hosting;
using OpenIddict.Abstractions;
using OpenIddict.EntityFrameworkCore.Models;

namespace IdP.Server.Clients;

public static class ClientServiceCollectionExtensions
{
    /// <summary>
    /// Client secrets stored as SHA-256 digests, and clients and scopes served from a cache shared by all requests
    /// and invalidated through the client change stamp (docs/client-authentication.md).
    /// </summary>
    public static OpenIddictCoreBuilder UseIdpClients(this OpenIddictCoreBuilder builder, IConfiguration configuration)
    {
        builder.Services.AddOptions<ClientCacheOptions>()
            .Bind(configuration.GetSection(ClientCacheOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        builder.Services.AddSingleton<ClientCache>();
        builder.Services.AddScoped<ClientCacheView>();
        builder.Services.AddScoped<ClientChangeRecorder>();

        // Closed registrations win over OpenIddict's open generic ones (which cache for one request only).
        builder.Services.AddScoped<IOpenIddictApplicationCache<OpenIddictEntityFrameworkCoreApplication>, CachedApplications>();
        builder.Services.AddScoped<IOpenIddictScopeCache<OpenIddictEntityFrameworkCoreScope>, CachedScopes>();

        return builder.ReplaceApplicationManager<OpenIddictEntityFrameworkCoreApplication, IdpApplicationManager>()
                      .ReplaceScopeManager<OpenIddictEntityFrameworkCoreScope, IdpScopeManager>();
    }
}
