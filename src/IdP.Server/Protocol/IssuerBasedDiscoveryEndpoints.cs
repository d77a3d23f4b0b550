using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Protocol;

/// <summary>
/// Builds every endpoint URL in the discovery document from the configured issuer. OpenIddict bases them on the
/// request's host, so a request with a forged Host header would be told another server's token endpoint and JWKS
/// (and a shared cache could keep that answer for everyone). The issuer, and everything derived from it, comes
/// from configuration only.
/// </summary>
internal sealed class IssuerBasedDiscoveryEndpoints : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<IssuerBasedDiscoveryEndpoints>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        var issuer = context.Options.Issuer ?? throw new InvalidOperationException("The issuer is not configured.");
        Uri? Rebase(Uri? advertised, List<Uri> configured)
            => advertised is null || configured.Count == 0 ? advertised
             : configured[0].IsAbsoluteUri ? configured[0]
             : new Uri(issuer, configured[0]);

        var options = context.Options;
        context.AuthorizationEndpoint = Rebase(context.AuthorizationEndpoint, options.AuthorizationEndpointUris);
        context.TokenEndpoint = Rebase(context.TokenEndpoint, options.TokenEndpointUris);
        context.UserInfoEndpoint = Rebase(context.UserInfoEndpoint, options.UserInfoEndpointUris);
        context.EndSessionEndpoint = Rebase(context.EndSessionEndpoint, options.EndSessionEndpointUris);
        context.IntrospectionEndpoint = Rebase(context.IntrospectionEndpoint, options.IntrospectionEndpointUris);
        context.RevocationEndpoint = Rebase(context.RevocationEndpoint, options.RevocationEndpointUris);
        context.DeviceAuthorizationEndpoint = Rebase(context.DeviceAuthorizationEndpoint, options.DeviceAuthorizationEndpointUris);
        context.JsonWebKeySetEndpoint = Rebase(context.JsonWebKeySetEndpoint, options.JsonWebKeySetEndpointUris);
        return ValueTask.CompletedTask;
    }
}
