using System.Security.Cryptography;
using IdP.Server.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Administration;

/// <summary>Opt-in demo data. Bound from the <c>Demo</c> configuration section; <c>--demo</c> sets it.</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>Create a demo user and demo clients at start-up. Development only.</summary>
    public bool Enabled { get; set; }
}

/// <summary>Credentials created by the demo seed, printed once in the start-up banner.</summary>
public sealed record DemoCredentials(string UserName, string Password, string ServiceClientId, string ServiceClientSecret, string WebClientId, string DeviceClientId)
{
    public IEnumerable<string> Describe()
    {
        yield return $"User:            {UserName} / {Password}";
        yield return $"Service client:  {ServiceClientId} / {ServiceClientSecret} (client_credentials)";
        yield return $"Web client:      {WebClientId} (public, authorization_code + PKCE, redirect http://localhost:8080/callback)";
        yield return $"CLI client:      {DeviceClientId} (public, device_code)";
    }
}

/// <summary>Seeds the demo user and clients once. Refuses to run outside Development.</summary>
public sealed class DemoSeeder(
    Microsoft.Extensions.Options.IOptions<DemoOptions> options,
    IHostEnvironment environment,
    UserManager<IdpUser> users,
    UserAdministration userAdministration,
    ClientAdministration clients)
{
    public const string UserName = "demo";

    public async Task<DemoCredentials?> SeedIfEnabledAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return null;
        }

        if (!environment.IsDevelopment())
        {
            throw new InvalidOperationException("Demo:Enabled (--demo) is only allowed when ASPNETCORE_ENVIRONMENT is Development.");
        }

        // The password is random per seed and printed once; re-running the seed resets it.
        var password = "Demo-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(9)) + "1a";
        if (await users.FindByNameAsync(UserName) is null)
        {
            // The demo user enrols at first sign-in without an activation code (Development only).
            await userAdministration.AddAsync(UserName, "demo@example.com", password, requireActivation: false, cancellationToken);
        }
        else
        {
            await userAdministration.SetPasswordAsync(UserName, password);
        }

        await RecreateAsync(new ClientSpec("demo-web", ClientKind.Public,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], ["http://localhost:8080/callback"], ["http://localhost:8080/"],
            [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess], DisplayName: "Demo web application"), cancellationToken);
        await RecreateAsync(new ClientSpec("demo-cli", ClientKind.Public,
            [GrantTypes.DeviceCode, GrantTypes.RefreshToken], [], [],
            [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess], DisplayName: "Demo command-line tool"), cancellationToken);
        var secret = await RecreateAsync(new ClientSpec("demo-service", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], [], DisplayName: "Demo service"), cancellationToken);

        return new DemoCredentials(UserName, password, "demo-service", secret!, "demo-web", "demo-cli");
    }

    private async Task<string?> RecreateAsync(ClientSpec spec, CancellationToken cancellationToken)
    {
        if ((await clients.ListAsync(cancellationToken)).Any(c => c.ClientId == spec.ClientId))
        {
            await clients.DeleteAsync(spec.ClientId, cancellationToken);
        }

        return await clients.AddAsync(spec, cancellationToken);
    }
}
