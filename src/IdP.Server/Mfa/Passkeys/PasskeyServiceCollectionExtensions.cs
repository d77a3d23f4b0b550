using IdP.Server.Accounts;
using IdP.Server.Hosting;
using IdP.Server.Protocol;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa.Passkeys;

public static class PasskeyServiceCollectionExtensions
{
    /// <summary>
    /// Passkeys through Identity's built-in WebAuthn support, with IdP's settings (<c>Mfa:Passkeys</c>), origin rule,
    /// algorithms, attestation policy and clone detection. Call after <c>AddIdpAccounts</c>; <c>Server</c> options
    /// (the issuer) must be bound too, as <c>AddIdpProtocol</c> does.
    /// </summary>
    public static IServiceCollection AddIdpPasskeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PasskeyOptions>()
            .Bind(configuration.GetSection(PasskeyOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PasskeyOptions>, PasskeyRelyingPartyValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => PasskeyRelyingParty.Resolve(
            provider.GetRequiredService<IOptions<PasskeyOptions>>().Value,
            provider.GetRequiredService<IOptions<IdpServerOptions>>().Value.GetIssuerUri()));
        services.AddSingleton(provider => PasskeyAttestationTrust.Load(provider.GetRequiredService<IOptions<PasskeyOptions>>().Value));
        services.AddSingleton<PackedAttestationVerifier>();
        services.AddSingleton<PasskeyOriginValidator>();
        services.TryAddSingleton<IPasskeyCloneDetectionSink, LoggingPasskeyCloneDetectionSink>();

        services.AddOptions<IdentityPasskeyOptions>()
            .Configure<IOptions<PasskeyOptions>, PasskeyRelyingParty, PasskeyOriginValidator, PackedAttestationVerifier>(
                (identity, options, relyingParty, origins, attestation) =>
                {
                    var passkeys = options.Value;
                    identity.ServerDomain = relyingParty.ServerDomain;
                    identity.ValidateOrigin = origins.ValidateAsync;
                    identity.IsAllowedAlgorithm = PasskeyAlgorithms.IsAllowed;
                    identity.UserVerificationRequirement = passkeys.UserVerification;

                    if (passkeys.Attestation == PasskeyAttestationMode.Required)
                    {
                        // "direct": without it browsers may strip the attestation and send fmt "none".
                        identity.AttestationConveyancePreference = "direct";
                        identity.VerifyAttestationStatement = attestation.VerifyAsync;
                    }
                    else
                    {
                        // As Identity does by default: the statement is not verified, so do not ask for one.
                        identity.AttestationConveyancePreference = "none";
                        identity.VerifyAttestationStatement = null;
                    }
                });

        // Replaces the PasskeyHandler that AddIdentityCore registered, whichever was called first.
        services.RemoveAll<IPasskeyHandler<IdpUser>>();
        services.AddScoped<IPasskeyHandler<IdpUser>, IdpPasskeyHandler>();
        return services;
    }
}

/// <summary>Start-up check of the settings that depend on <c>Server:Issuer</c>: the RP ID against the origins.</summary>
internal sealed class PasskeyRelyingPartyValidator(IOptions<IdpServerOptions> server) : IValidateOptions<PasskeyOptions>
{
    public ValidateOptionsResult Validate(string? name, PasskeyOptions options)
    {
        Uri issuer;
        try
        {
            issuer = server.Value.GetIssuerUri();
        }
        catch (Exception ex) when (ex is OptionsValidationException or UriFormatException)
        {
            // Server:Issuer's own validation names the problem.
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        PasskeyRelyingParty.TryResolve(options, issuer, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
