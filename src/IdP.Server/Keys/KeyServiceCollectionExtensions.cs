using IdP.Server.Hosting;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace IdP.Server.Keys;

public static class KeyServiceCollectionExtensions
{
    public static IServiceCollection AddIdpKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyOptions>()
            .Bind(configuration.GetSection(KeyOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddSingleton<SigningKeyFactory>();
        services.AddSingleton<SigningKeyRing>();
        services.AddScoped<KeyRotation>();

        // Registered after StartupInitializer, which loads the ring first (hosted services start in order).
        services.AddHostedService<KeyMaintenanceService>();

        // OpenIddict publishes and validates with the ring's keys (rebuilt when the ring changes) and signs with
        // the key active at the moment it signs.
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, KeyRingServerOptionsSetup>();
        services.AddOpenIddict().AddServer(options =>
        {
            options.AddEventHandler(SignWithActiveKey.Descriptor);
            options.AddEventHandler(PublishUnexpiredKeysOnly.Descriptor);
        });
        return services;
    }
}

/// <summary>
/// Hands the published keys to OpenIddict: the JWKS lists them and IdP validates its own tokens with them.
/// </summary>
/// <remarks>
/// Runs again whenever <see cref="SigningKeyRing"/> swaps its snapshot and clears OpenIddict's options caches, so
/// the cached options (and the validation options built from them) hold the keys of the latest reload. Anything that
/// depends on the clock is decided per request instead: which key signs (<see cref="SignWithActiveKey"/>, not this
/// list's order) and whether an expired key is still listed (<see cref="PublishUnexpiredKeysOnly"/>).
/// </remarks>
internal sealed class KeyRingServerOptionsSetup(SigningKeyRing ring) : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        var snapshot = ring.Current;
        foreach (var credentials in snapshot.Signing)
        {
            options.SigningCredentials.Add(credentials);
        }

        foreach (var credentials in snapshot.Encryption)
        {
            options.EncryptionCredentials.Add(credentials);
        }

        // Listed for validation only (codes and refresh tokens signed with them must verify); OpenIddict keeps
        // symmetric keys out of the JWKS, and SignWithActiveKey never signs an access or ID token with one.
        foreach (var credentials in snapshot.InternalSigning)
        {
            options.SigningCredentials.Add(credentials);
        }
    }
}
