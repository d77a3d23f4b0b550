using OpenIddict.Abstractions;

namespace IdP.Server.Protocol;

/// <summary>
/// Revokes everything IdP issued to a user (authorizations, refresh tokens, stored access tokens), for changes that
/// must cut off a possible intruder: a password reset, disabling, an MFA reset, removing a factor. Without it, a
/// stolen refresh token would outlive the clean-up.
/// </summary>
public sealed class TokenRevocation(IOpenIddictAuthorizationManager authorizations, IOpenIddictTokenManager tokens)
{
    public async Task RevokeAllAsync(string userId, CancellationToken cancellationToken = default)
    {
        await authorizations.RevokeBySubjectAsync(userId, cancellationToken);
        await tokens.RevokeBySubjectAsync(userId, cancellationToken);
    }
}
