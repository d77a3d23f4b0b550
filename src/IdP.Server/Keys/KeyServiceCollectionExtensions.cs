using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace IdP.Server.Keys;

public static class KeyServiceCollectionExtensions
{
    public static IServiceCollection AddIdpKeys(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyOptions>()
            .Bind(configuration.GetSection(KeyOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<SigningKeyRing>();

        // OpenIddict reads its credentials from its options; they are filled from the ring loaded at start-up.
        services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>, KeyRingServerOptionsSetup>();
        return services;
    }
}

/// <summary>Hands the persistent keys to OpenIddict (signing, encryption and the JWKS it publishes).</summary>
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
    }
}
