using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>Services calling APIs as themselves (RFC 6749 §4.4), with tokens the mainframe gateway can verify.</summary>
public sealed class ClientCredentialsTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private Task<string> SeedAsync() => idp.OnceAsync("service", async () =>
    {
        await idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<ScopeAdministration>().AddAsync("zowe", ["zowe-gateway"], "Zowe API ML");
            return true;
        });
        return (await idp.CreateClientAsync(new ClientSpec("batch-service", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], ["zowe"])))!;
    });

    private Task<int> CountTokenRowsAsync()
        => idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().Set<OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreToken>().CountAsync());

    [Fact]
    public async Task a_service_gets_an_rs256_access_token_whose_subject_is_its_client_id_and_no_row_is_written()
    {
        var secret = await SeedAsync();
        var client = new OidcClient(idp.CreateClient(), "batch-service", secret);
        var rowsBefore = await CountTokenRowsAsync();

        var response = (await client.ClientCredentialsAsync("zowe")).EnsureSuccess();

        // A service token for the gateway audience is signed by the gateway key set, and only by it.
        var jwks = await TokenVerifier.FetchGatewayJwksAsync(idp.CreateClient());
        var token = await TokenVerifier.VerifyAsync(jwks, response.AccessToken!, "at+jwt", audience: "zowe-gateway");
        Assert.False(await TokenVerifier.IsSignedByAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()), response.AccessToken!));
        Assert.Equal("batch-service", token.Subject);
        Assert.Equal("batch-service", token.GetClaim("mainframe_id").Value);
        Assert.Equal("batch-service", token.GetClaim("client_id").Value);
        Assert.Equal("zowe", token.GetClaim("scope").Value);
        Assert.Null(response.RefreshToken);
        Assert.Equal(rowsBefore, await CountTokenRowsAsync());

        // The unstored token is still self-contained enough for RFC 7662 introspection.
        var introspection = await client.SendAsync("/connect/introspect", ("token", response.AccessToken));
        Assert.True(introspection.Json.GetProperty("active").GetBoolean(), introspection.Json.ToString());
        Assert.Equal("batch-service", introspection.Json.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task client_secret_post_works_as_well_as_client_secret_basic()
    {
        var secret = await SeedAsync();
        var client = new OidcClient(idp.CreateClient(), "batch-service", secret, secretInBody: true);

        var response = await client.ClientCredentialsAsync("zowe");

        response.EnsureSuccess();
    }

    [Fact]
    public async Task a_wrong_secret_and_a_scope_the_client_was_not_given_are_refused()
    {
        var secret = await SeedAsync();

        var wrongSecret = await new OidcClient(idp.CreateClient(), "batch-service", secret + "x").ClientCredentialsAsync();
        Assert.Equal(401, wrongSecret.Status);
        Assert.Equal(Errors.InvalidClient, wrongSecret.Error);

        var wrongScope = await new OidcClient(idp.CreateClient(), "batch-service", secret).ClientCredentialsAsync("profile");
        // Note: OpenIddict answers invalid_request here (RFC 6749 §5.2 would also allow invalid_scope).
        Assert.Equal(400, wrongScope.Status);
        Assert.Null(wrongScope.AccessToken);
        Assert.Contains("scope", wrongScope.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_public_client_cannot_use_client_credentials()
    {
        await idp.CreateClientAsync(new ClientSpec("spa", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId]));

        var response = await new OidcClient(idp.CreateClient(), "spa").ClientCredentialsAsync();

        Assert.Equal(400, response.Status);
        Assert.NotNull(response.Error);
        Assert.Null(response.AccessToken);
    }

    [Theory]
    [InlineData(Scopes.OpenId)]
    [InlineData(Scopes.OfflineAccess)]
    [InlineData("zowe offline_access")]
    public async Task openid_and_offline_access_are_refused_even_when_the_client_holds_them(string scope)
    {
        // A client allowed these scopes for a user flow asks for them with no user behind the grant.
        var secret = await idp.OnceAsync("hybrid-service", async () =>
        {
            await SeedAsync();
            return (await idp.CreateClientAsync(new ClientSpec("hybrid-service", ClientKind.Confidential,
                [GrantTypes.ClientCredentials, GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], [],
                ["zowe", Scopes.OpenId, Scopes.OfflineAccess])))!;
        });

        var response = await new OidcClient(idp.CreateClient(), "hybrid-service", secret).ClientCredentialsAsync(scope);

        // RFC 6749 §4.4.3: no refresh token for this grant; OpenID Connect Core §2: an ID token is about an end-user.
        Assert.Equal(400, response.Status);
        Assert.Equal(Errors.InvalidScope, response.Error);
        Assert.Null(response.AccessToken);
        Assert.Null(response.RefreshToken);
        Assert.False(response.Json.TryGetProperty("id_token", out _));
    }
}
