using Microsoft.AspNetCore.Identity;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// <see cref="IdentityPasskeyOptions.ValidateOrigin"/>: the ceremony must come from one of IdP's own origins, in a
/// top-level page. Identity's default compares with the request's Origin header instead, which a reverse proxy or a
/// missing header breaks; the configured list does not depend on the request.
/// </summary>
public sealed class PasskeyOriginValidator(PasskeyRelyingParty relyingParty)
{
    public ValueTask<bool> ValidateAsync(PasskeyOriginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // WebAuthn §7.1 step 10 / §7.2 step 14 (topOrigin) and §13.4.9: IdP's sign-in pages are never meant to be
        // framed by another site, so a ceremony run in a cross-origin iframe is refused outright (clickjacking).
        if (context.CrossOrigin || context.TopOrigin is not null)
        {
            var where = context.TopOrigin is { } top ? $"inside a page of '{top}'" : "inside a cross-origin frame";
            throw new PasskeyException(
                $"The passkey ceremony ran {where} (clientData crossOrigin/topOrigin); IdP accepts passkeys only from its own top-level pages.");
        }

        // WebAuthn §7.1 step 9 / §7.2 step 13: C.origin must be an origin the relying party expects.
        return ValueTask.FromResult(relyingParty.IsAllowedOrigin(context.Origin));
    }
}
