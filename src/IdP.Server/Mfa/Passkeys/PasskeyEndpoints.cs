using IdP.Server.Accounts;
using IdP.Server.Mfa.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>The JSON body of a completed WebAuthn ceremony sent by wwwroot/js/passkeys.js.</summary>
public sealed record PasskeyCeremony(string Credential, string? Name, string? ReturnUrl);

/// <summary>
/// The WebAuthn ceremonies the pages run through <c>wwwroot/js/passkeys.js</c>: registering a passkey from the
/// account page, a passkey as the second factor after the password (or for step-up), and passwordless,
/// username-less sign-in with a discoverable credential. Every call carries the page's antiforgery token.
/// </summary>
public static class PasskeyEndpoints
{
    public static IEndpointRouteBuilder MapIdpPasskeyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var passkeys = endpoints.MapGroup("/account/passkeys").DisableAntiforgery().AddEndpointFilter(ValidateAntiforgeryAsync);
        passkeys.MapPost("/creation-options", CreationOptionsAsync);
        passkeys.MapPost("/", RegisterAsync);
        passkeys.MapPost("/request-options", RequestOptionsAsync);
        passkeys.MapPost("/assertion", AssertAsync);
        return endpoints;
    }

    /// <summary>The antiforgery token travels in a header (the page's hidden field, copied by the script).</summary>
    private static async ValueTask<object?> ValidateAntiforgeryAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
        return await antiforgery.IsRequestValidAsync(context.HttpContext)
            ? await next(context)
            : Results.BadRequest(new { error = "The page has expired. Reload it and try again." });
    }

    private static async Task<IResult> CreationOptionsAsync(
        HttpContext context, MfaSignIn mfa, SignInManager<IdpUser> signIn, RecentAuthentication recent, ActivationCodes activation)
    {
        if (await mfa.GetPendingAsync(context) is not { HasFullSession: true } session)
        {
            return Results.Json(new { error = "Sign in before adding a passkey." }, statusCode: StatusCodes.Status401Unauthorized);
        }

        // A session that has not proven a second factor (an MFA-exempt user's password) adds a factor only through the
        // activation code, on the authenticator page.
        if (activation.IsRequiredFor(session))
        {
            return Results.Json(new { error = PasswordSessionRefusal }, statusCode: StatusCodes.Status403Forbidden);
        }

        // Adding a factor is a sensitive change: a stolen session alone must not plant a passkey.
        if (!recent.IsRecent(context.User))
        {
            return Results.Json(new { error = "For your security, sign out and sign in again before adding a passkey." },
                statusCode: StatusCodes.Status401Unauthorized);
        }

        var options = await signIn.MakePasskeyCreationOptionsAsync(new PasskeyUserEntity
        {
            Id = session.User.Id,
            Name = session.User.UserName!,
            DisplayName = session.User.Email ?? session.User.UserName!,
        });
        return Results.Content(options, "application/json");
    }

    private const string PasswordSessionRefusal =
        "Adding a passkey needs a sign-in with your second factor. Without one, set up an authenticator with the activation code your help desk gives you.";

    private static async Task<IResult> RegisterAsync(
        HttpContext context, [FromBody] PasskeyCeremony ceremony, MfaSignIn mfa, SignInManager<IdpUser> signIn, UserManager<IdpUser> users,
        ActivationCodes activation, AuditLog audit)
    {
        if (await mfa.GetPendingAsync(context) is not { HasFullSession: true } session)
        {
            return Results.Json(new { error = "Sign in before adding a passkey." }, statusCode: StatusCodes.Status401Unauthorized);
        }

        if (activation.IsRequiredFor(session))
        {
            return Results.Json(new { error = PasswordSessionRefusal }, statusCode: StatusCodes.Status403Forbidden);
        }

        var attestation = await signIn.PerformPasskeyAttestationAsync(ceremony.Credential);
        if (!attestation.Succeeded)
        {
            await audit.WriteAsync("mfa.enrol", AuditLog.Failure, session.User, "passkey", attestation.Failure.Message);
            return Results.BadRequest(new { error = "The passkey could not be registered: " + attestation.Failure.Message });
        }

        var passkey = attestation.Passkey;
        passkey.Name = string.IsNullOrWhiteSpace(ceremony.Name) ? "Passkey" : ceremony.Name.Trim()[..Math.Min(ceremony.Name.Trim().Length, 100)];
        var stored = await users.AddOrUpdatePasskeyAsync(session.User, passkey);
        if (!stored.Succeeded)
        {
            return Results.BadRequest(new { error = string.Join(" ", stored.Errors.Select(e => e.Description)) });
        }

        await audit.WriteAsync("mfa.enrol", AuditLog.Success, session.User, "passkey", passkey.Name);
        return Results.Ok(new { redirect = "/account" });
    }

    /// <summary>Options for a sign-in ceremony: for the user part-way through sign-in, or for anyone (username-less).</summary>
    private static async Task<IResult> RequestOptionsAsync(HttpContext context, MfaSignIn mfa, SignInManager<IdpUser> signIn)
    {
        var pending = await mfa.GetPendingAsync(context);
        return Results.Content(await signIn.MakePasskeyRequestOptionsAsync(pending?.User), "application/json");
    }

    private static async Task<IResult> AssertAsync(
        HttpContext context, [FromBody] PasskeyCeremony ceremony, MfaSignIn mfa, SignInManager<IdpUser> signIn, UserManager<IdpUser> users,
        AuditLog audit)
    {
        var assertion = await signIn.PerformPasskeyAssertionAsync(ceremony.Credential);
        if (!assertion.Succeeded)
        {
            await audit.WriteAsync(AuditTypes.PasskeySignIn, AuditLog.Failure, (IdpUser?)null, "passkey", assertion.Failure.Message);
            return Results.BadRequest(new { error = "The passkey was not accepted: " + assertion.Failure.Message });
        }

        var user = assertion.User;
        var passkey = assertion.Passkey;
        if (!await signIn.CanSignInAsync(user))
        {
            await audit.WriteAsync(AuditTypes.PasskeySignIn, AuditLog.Failure, user, "passkey", "not allowed");
            return Results.BadRequest(new { error = "This account cannot sign in. Contact your administrator." });
        }

        // The new sign count is stored, so a later assertion with an older count is caught as a possible clone.
        await users.AddOrUpdatePasskeyAsync(user, passkey);

        var pending = await mfa.GetPendingAsync(context);
        if (pending is not null && pending.User.Id != user.Id)
        {
            await audit.WriteAsync(AuditTypes.PasskeySignIn, AuditLog.Failure, user, "passkey", "passkey of another account than the one signing in");
            return Results.BadRequest(new { error = "That passkey belongs to another account." });
        }

        // A passkey without user verification proves possession only: it counts as a second factor after the
        // password, but never on its own.
        if (pending is null && !passkey.IsUserVerified)
        {
            await audit.WriteAsync(AuditTypes.PasskeySignIn, AuditLog.Failure, user, "passkey", "no user verification for passwordless sign-in");
            return Results.BadRequest(new { error = "Passwordless sign-in needs your device's PIN or biometrics. Sign in with your password instead." });
        }

        // RFC 8176: a synced (backup-eligible) passkey is a software-protected key, a device-bound one hardware.
        var methods = new List<string> { passkey.IsBackupEligible ? AuthenticationLevels.Methods.SoftwareKey : AuthenticationLevels.Methods.HardwareKey };
        if (passkey.IsUserVerified)
        {
            methods.Add(AuthenticationLevels.Methods.UserPresence);
        }

        await mfa.CompleteAsync(context, pending ?? new PendingSignIn(user, [], HasFullSession: false), [.. methods]);
        await audit.WriteAsync(AuditTypes.PasskeySignIn, AuditLog.Success, user, "passkey", pending is null ? "passwordless" : "second factor");

        return Results.Ok(new { redirect = ReturnUrls.Safe(ceremony.ReturnUrl) });
    }
}
