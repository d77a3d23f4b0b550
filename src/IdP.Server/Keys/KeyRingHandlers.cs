using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Keys;

/// <summary>
/// Signs each token with the key the ring says is active at that moment: an access token that may act on the mainframe
/// (<see cref="GatewaySigning"/>) with the gateway set's RSA key, every other access token and every ID token with the
/// general set's; the tokens only IdP reads with the ring's HMAC key.
/// </summary>
/// <remarks>
/// OpenIddict signs with the first of <see cref="OpenIddictServerOptions.SigningCredentials"/>, but its options
/// post-configuration sorts that list and ranks any two plain <c>RsaSecurityKey</c>s as equal, with List.Sort,
/// which is not stable: the list order IdP gives is not guaranteed to survive, and a pre-published key could come
/// first. The options are also cached, so they cannot follow the clock. Overriding the choice per token after
/// OpenIddict's own <c>AttachSecurityCredentials</c> is order-proof and switches exactly at the activation time.
/// </remarks>
internal sealed class SignWithActiveKey(SigningKeyRing ring) : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<SignWithActiveKey>()
            .SetOrder(OpenIddictServerHandlers.Protection.AttachSecurityCredentials.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        var snapshot = ring.Current;
        if (!IsReadByOthers(context.TokenType) && snapshot.InternalSigning.Count > 0)
        {
            context.SigningCredentials = snapshot.InternalSigning[0];
        }
        else
        {
            // OpenIddict's own pick is never left for a token others verify: it ranks symmetric keys first, and it
            // knows nothing of the two sets. The ring always holds a signing key of each set (it refuses to load otherwise).
            var set = context.TokenType == TokenTypeIdentifiers.AccessToken && GatewaySigning.IsRequested(context.Transaction)
                ? SigningKey.GatewaySet
                : SigningKey.GeneralSet;
            context.SigningCredentials = snapshot.SigningAt(context.Options.TimeProvider.GetUtcNow(), set)
                ?? throw new InvalidOperationException($"No {set} signing key signs at this moment.");
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Access tokens (the gateway, resource servers) and ID tokens (clients) are verified against the JWKS.</summary>
    private static bool IsReadByOthers(string? tokenType)
        => tokenType is TokenTypeIdentifiers.AccessToken or TokenTypeIdentifiers.IdentityToken;
}

/// <summary>
/// Keeps OpenIddict's JWKS (<c>/.well-known/jwks</c>) to the general set, and drops a key whose expiry has passed at
/// once rather than at the ring's next reload. OpenIddict lists all its signing credentials, which the ring loaded:
/// both sets, pending, active and retired keys alike. The gateway set has its own JWKS (<see cref="GatewayJwksEndpoint"/>).
/// </summary>
internal sealed class PublishUnexpiredKeysOnly(SigningKeyRing ring) : IOpenIddictServerHandler<HandleJsonWebKeySetRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<HandleJsonWebKeySetRequestContext>()
            .UseSingletonHandler<PublishUnexpiredKeysOnly>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachSigningKeys.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleJsonWebKeySetRequestContext context)
    {
        var snapshot = ring.Current;
        var now = context.Options.TimeProvider.GetUtcNow();
        context.Keys.RemoveAll(key => !snapshot.IsPublishedAt(key.Kid, now, SigningKey.GeneralSet));
        return ValueTask.CompletedTask;
    }
}
