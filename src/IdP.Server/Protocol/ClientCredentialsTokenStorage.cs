using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Protocol;

/// <summary>
/// Client-credentials access tokens are self-contained JWTs with no refresh token and no user session behind
/// them, so IdP does not write a database row for each one: nothing needs to revoke or look them up.
/// Tokens of user flows keep their rows, which refresh-token rotation, code-replay revocation (RFC 6749 §4.1.2)
/// and RFC 7009 revocation need.
/// </summary>
internal sealed class ClientCredentialsTokenStorage : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<ClientCredentialsTokenStorage>()
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.TokenType == TokenTypeIdentifiers.AccessToken &&
            context.Request is not null && context.Request.IsClientCredentialsGrantType())
        {
            context.CreateTokenEntry = false;
        }

        return ValueTask.CompletedTask;
    }
}
