using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Server.Observability;

/// <summary>
/// Counts the token endpoint's successful answers by grant type, where OpenIddict sends the response: one place for
/// every grant (codes, refresh tokens, client credentials, device codes), whichever code path issued the tokens.
/// </summary>
internal sealed class TokenIssuanceMetrics(IdpMetrics metrics) : IOpenIddictServerHandler<ApplyTokenResponseContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; }
        = OpenIddictServerHandlerDescriptor.CreateBuilder<ApplyTokenResponseContext>()
            .UseSingletonHandler<TokenIssuanceMetrics>()
            // First: later handlers write the response and mark the request handled.
            .SetOrder(int.MinValue + 100_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(ApplyTokenResponseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // An error answer (invalid_grant, authorization_pending while a device polls) issued nothing. The grant type
        // of a success is one OpenIddict accepted, so the tag has a handful of values only.
        if (string.IsNullOrEmpty(context.Error) && !string.IsNullOrEmpty(context.Response.AccessToken)
            && context.Request?.GrantType is { Length: > 0 } grantType)
        {
            metrics.TokenIssued(grantType);
        }

        return ValueTask.CompletedTask;
    }
}
