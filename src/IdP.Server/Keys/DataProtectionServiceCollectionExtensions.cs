using IdP.Server.Data;
using IdP.Server.Hosting;
using Microsoft.AspNetCore.DataProtection;

namespace IdP.Server.Keys;

public static class DataProtectionServiceCollectionExtensions
{
    /// <summary>
    /// Data Protection with its key ring in the database, so every instance reads the same cookies, antiforgery
    /// tokens and encrypted columns; optionally encrypted at rest to a certificate (<see cref="KeyRingProtectionOptions"/>).
    /// </summary>
    public static IServiceCollection AddIdpDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyRingProtectionOptions>()
            .Bind(configuration.GetSection(KeyRingProtectionOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        var dataProtection = services.AddDataProtection()
            .SetApplicationName("IdP")
            .PersistKeysToDbContext<IdpDbContext>();

        // The certificates are handed to Data Protection at registration (its decryption options are not public).
        // Settings that do not validate are left out here; ValidateOnStart then stops start-up naming the setting.
        var protection = configuration.GetSection(KeyRingProtectionOptions.SectionName).Get<KeyRingProtectionOptions>();
        if (protection?.Certificate is { } current
            && !protection.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(protection)).Any())
        {
            var certificate = KeyRingProtectionOptions.Load(current);
            dataProtection.ProtectKeysWithCertificate(certificate);
            dataProtection.UnprotectKeysWithAnyCertificate(
                [certificate, .. (protection.PreviousCertificates ?? []).Select(KeyRingProtectionOptions.Load)]);
        }

        return services;
    }
}
