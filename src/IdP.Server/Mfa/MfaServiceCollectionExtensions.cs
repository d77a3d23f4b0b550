using IdP.Server.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdP.Server.Mfa;

public static class MfaServiceCollectionExtensions
{
    /// <summary>Second factors: TOTP, recovery codes, the separate lockout, the audit log and the two-step sign-in.</summary>
    public static IServiceCollection AddIdpMfa(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MfaOptions>()
            .Bind(configuration.GetSection(MfaOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddHttpContextAccessor();
        services.AddScoped<SecondFactorLockout>();
        services.AddScoped<ActivationCodes>();
        services.AddScoped<TotpAuthenticatorService>();
        services.AddScoped<RecoveryCodeService>();
        services.AddScoped<MfaSignIn>();
        services.AddScoped<UserFactors>();
        services.AddScoped<AuthenticationRequirements>();
        services.AddSingleton<AuditLog>();
        // The command-line host registers the administrator first; the server acts as itself.
        services.TryAddSingleton(AuditActor.System);
        return services;
    }
}
