using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Protocol;

/// <summary>
/// Adds the API scopes created with <c>idp scopes add</c> to the discovery document's <c>scopes_supported</c>
/// (OIDC Discovery §3), next to the built-in OpenID Connect scopes OpenIddict lists from its options.
/// </summary>
internal sealed class ApiScopesInDiscovery(IOpenIddictScopeManager scopes) : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseScopedHandler<ApiScopesInDiscovery>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachScopes.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        await foreach (var scope in scopes.ListAsync(count: null, offset: null, context.CancellationToken))
        {
            if (await scopes.GetNameAsync(scope, context.CancellationToken) is { } name)
            {
                context.Scopes.Add(name);
            }
        }
    }
}
