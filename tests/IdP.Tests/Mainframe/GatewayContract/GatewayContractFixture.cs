using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Mainframe;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// One IdP configured to trust a test gateway's keys (served over loopback HTTP), with the scopes, clients and user
/// the contract tests use, and the rate limits IdP ships with: the gateway has to live with them.
/// </summary>
public sealed class GatewayContractFixture : IAsyncLifetime
{
    public const string Registry = "ldap://idp.example.com";
    public const string Password = "Correct-Horse-9";

    /// <summary>The path of the gateway's <c>apiml.security.oidc.jwks.uri</c> on IdP.</summary>
    public const string IdpJwksPath = "/.well-known/gateway-jwks";

    public GatewayKeyServer GatewayKeys { get; } = new();
    public IdpFactory Idp { get; private set; } = null!;
    public string MappingServiceSecret { get; private set; } = "";
    public string BatchJobSecret { get; private set; } = "";
    public string DesktopSecret { get; private set; } = "";

    private HttpClient? _jwksClient;

    public async Task InitializeAsync()
    {
        await GatewayKeys.StartAsync();
        Idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Mainframe:Mapper:GatewayJwksUrls:0"] = GatewayKeys.JwksUrl,
        }, defaultRateLimits: true);

        // API ML publishes its OIDC provider's keys, IdP's, beside its own.
        _jwksClient = Http();
        GatewayKeys.OidcProviderJwks = () => _jwksClient.GetStringAsync(new Uri(IdpJwksPath, UriKind.Relative));

        await Idp.AdministerAsync(async services =>
        {
            var scopes = services.GetRequiredService<ScopeAdministration>();
            await scopes.AddAsync("zowe", ["zowe-gateway"], "Zowe API ML");
            await scopes.AddAsync("mapping", ["idp-mapper"], "Identity mapping lookups");
            return true;
        });
        MappingServiceSecret = (await Idp.CreateClientAsync(new ClientSpec("mapping-service", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], ["mapping", "zowe"])))!;
        BatchJobSecret = (await Idp.CreateClientAsync(new ClientSpec("batch-job", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], ["zowe"])))!;
        DesktopSecret = (await Idp.CreateClientAsync(new ClientSpec("zowe-desktop", ClientKind.Confidential,
            [GrantTypes.AuthorizationCode], [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, "zowe"])))!;
    }

    /// <summary>The gateway, started: IdP's JWKS fetched once.</summary>
    public async Task<ApiMlGateway> StartGatewayAsync(string cookieName = ApiMlGateway.DefaultCookieName)
    {
        var gateway = new ApiMlGateway(Http(), GatewayKeys, Idp.Clock, Registry, IdpJwksPath, cookieName);
        await gateway.StartAsync();
        return gateway;
    }

    /// <summary>A client that sends no cookies of its own, so each request carries exactly what the test puts on it.</summary>
    public HttpClient Http() => Idp.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false });

    /// <summary>Writes a mapping as the admin side does: the row and the change stamp in one transaction.</summary>
    public Task MapAsync(string distributedId, string userId, string kind = IdentityMapping.UserKind, string registry = Registry)
        => Idp.AdministerAsync(async services =>
        {
            var db = services.GetRequiredService<IdpDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var existing = await db.IdentityMappings.SingleOrDefaultAsync(m => m.DistributedId == distributedId && m.Registry == registry);
            if (existing is null)
            {
                db.IdentityMappings.Add(new IdentityMapping
                {
                    DistributedId = distributedId, Registry = registry, MainframeUserId = userId, Kind = kind, CreatedAt = Idp.Clock.GetUtcNow(),
                });
            }
            else
            {
                existing.MainframeUserId = userId;
            }

            await db.SaveChangesAsync();
            await MappingChanges.BumpAsync(db);
            await transaction.CommitAsync();
            return true;
        });

    public async Task DisposeAsync()
    {
        _jwksClient?.Dispose();
        await Idp.DisposeAsync();
        await GatewayKeys.DisposeAsync();
    }
}
