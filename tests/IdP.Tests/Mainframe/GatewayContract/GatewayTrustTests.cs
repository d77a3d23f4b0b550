using IdP.Server.Accounts;
using IdP.Server.Administration;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using IdP.Tests.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// The gateway checks keys, not claims: what it may act on is decided by which key set signed the token. A gateway
/// told to trust only /.well-known/gateway-jwks accepts service tokens for a gateway audience and the access tokens of
/// sign-ins that proved two factors, and nothing else IdP issues.
/// </summary>
public sealed class GatewayTrustTests(GatewayContractFixture fixture) : IClassFixture<GatewayContractFixture>
{
    private const string RelaxedClient = "relaxed-portal";
    private const string DesktopClient = "refreshing-desktop";

    private IdpFactory Idp => fixture.Idp;

    /// <summary>The secret of <see cref="DesktopClient"/>, a client of the gateway scope with refresh tokens.</summary>
    private Task<string> SeedAsync() => Idp.OnceAsync("gateway-trust", async () =>
    {
        // A client that lets the password alone through, for audiences other than the gateway's.
        await Idp.CreateClientAsync(new ClientSpec(RelaxedClient, ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile], MfaPolicy: ClientMfaPolicy.None));
        return (await Idp.CreateClientAsync(new ClientSpec(DesktopClient, ClientKind.Confidential, [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.OfflineAccess, "zowe"])))!;
    });

    private Task<ApiMlGateway> StartGatewayAsync() => fixture.StartGatewayAsync();

    private async Task<IdpUser> ExemptUserAsync(string name)
    {
        await Idp.CreateUserAsync(name, GatewayContractFixture.Password);
        return await Idp.AdministerAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<IdpUser>>();
            var user = (await users.FindByNameAsync(name))!;
            user.MfaExempt = true;
            await users.UpdateAsync(user);
            return user;
        });
    }

    /// <summary>An MFA-exempt user, mapped to <paramref name="userId"/>, signs in with the password alone: their tokens.</summary>
    private async Task<TokenResponse> MappedExemptUserSignInAsync(string name, string userId)
    {
        await SeedAsync();
        var user = await ExemptUserAsync(name);
        await fixture.MapAsync(user.Id, userId);
        using var browser = Idp.CreateBrowser();
        var relaxed = new OidcClient(Idp.CreateClient(), RelaxedClient);
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(relaxed, pkce, name, GatewayContractFixture.Password, "openid profile");
        return (await relaxed.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
    }

    /// <summary>Password and TOTP at the desktop client, for the gateway scope: its access, ID and refresh tokens.</summary>
    private async Task<(TokenResponse Tokens, OidcClient Client)> MfaSignInAsync(string name, string scope = "openid offline_access zowe")
    {
        using var browser = Idp.CreateBrowser();
        var desktop = new OidcClient(Idp.CreateClient(), DesktopClient, await SeedAsync());
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(desktop, pkce, name, GatewayContractFixture.Password, scope);
        return ((await desktop.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess(), desktop);
    }

    [Fact]
    public async Task an_mfa_users_access_token_passes_the_gateway_and_maps_but_the_id_token_of_the_same_sign_in_does_not()
    {
        var user = await Idp.CreateUserAsync("gina", GatewayContractFixture.Password);
        await fixture.MapAsync(user.Id, "ZGINA");
        var (tokens, _) = await MfaSignInAsync("gina", "openid zowe");
        var gateway = await StartGatewayAsync();

        Assert.Equal("ZGINA", await gateway.MapAsync(tokens.AccessToken!));
        var access = new JsonWebToken(tokens.AccessToken);
        Assert.Equal(user.Id, access.GetClaim("mainframe_id").Value);
        Assert.Contains("mfa", access.Amr());

        // The ID token carries the same sub, amr and acr, and an RS256 signature with a kid; the gateway never trusts it.
        var idToken = await gateway.ValidateAsync(tokens.IdToken!);
        Assert.False(idToken.Accepted);
        Assert.Contains("kid unknown", idToken.Refusal, StringComparison.Ordinal);
        Assert.True(await TokenVerifier.IsSignedByAsync(await TokenVerifier.FetchJwksAsync(Idp.CreateClient()), tokens.IdToken!));
        Assert.False(new JsonWebToken(tokens.IdToken).TryGetClaim("mainframe_id", out _));
    }

    [Fact]
    public async Task a_password_only_token_of_an_exempt_user_is_refused_by_the_gateway_though_it_is_mapped()
    {
        var tokens = await MappedExemptUserSignInAsync("pete", "ZPETE");
        var gateway = await StartGatewayAsync();

        var verdict = await gateway.ValidateAsync(tokens.AccessToken!);

        Assert.Equal(["pwd"], new JsonWebToken(tokens.AccessToken).Amr());
        Assert.False(verdict.Accepted);
        Assert.Null(await gateway.MapAsync(tokens.AccessToken!));
        Assert.False(new JsonWebToken(tokens.AccessToken).TryGetClaim("mainframe_id", out _));
        // General-signed: every other relying party still validates it.
        Assert.True(await TokenVerifier.IsSignedByAsync(await TokenVerifier.FetchJwksAsync(Idp.CreateClient()), tokens.AccessToken!));
    }

    [Fact]
    public async Task an_exempt_user_asking_for_the_gateway_audience_is_refused_with_interaction_required_not_given_a_weaker_token()
    {
        var secret = await SeedAsync();
        await ExemptUserAsync("olga");
        using var browser = Idp.CreateBrowser();
        var desktop = new OidcClient(Idp.CreateClient(), DesktopClient, secret);

        var outcome = await browser.NavigateAsync(desktop.AuthorizeUrl(Pkce.Create(), "openid zowe"));
        outcome = await browser.SubmitPasswordAsync(outcome.RequirePage(), "olga", GatewayContractFixture.Password);

        Assert.Equal(Errors.InteractionRequired, outcome.RedirectParameters()["error"]);
        Assert.False(outcome.RedirectParameters().ContainsKey("code"));
    }

    [Fact]
    public async Task a_refresh_keeps_the_gateway_key_and_is_refused_once_the_user_is_made_exempt()
    {
        var user = await Idp.CreateUserAsync("rory", GatewayContractFixture.Password);
        await fixture.MapAsync(user.Id, "ZRORY");
        var (tokens, desktop) = await MfaSignInAsync("rory");
        var gateway = await StartGatewayAsync();

        var refreshed = (await desktop.RefreshAsync(tokens.RefreshToken!)).EnsureSuccess();
        Assert.Equal("ZRORY", await gateway.MapAsync(refreshed.AccessToken!));

        // Exempting the user now does not let a refresh carry the old second factor into a weaker account.
        await Idp.AdministerAsync(services => services.GetRequiredService<SecondFactorAdministration>().SetExemptAsync("rory", true, "test"));
        var afterExemption = await desktop.RefreshAsync(refreshed.RefreshToken!);

        Assert.Equal(Errors.InvalidGrant, afterExemption.Error);
        Assert.Contains("second factor", afterExemption.ErrorDescription, StringComparison.Ordinal);
        Assert.Null(afterExemption.AccessToken);
    }

    [Fact]
    public async Task a_service_token_for_the_gateway_audience_passes_and_one_for_another_audience_does_not()
    {
        var gatewayBound = (await new OidcClient(Idp.CreateClient(), "mapping-service", fixture.MappingServiceSecret).ClientCredentialsAsync("zowe")).EnsureSuccess();
        var otherAudience = (await new OidcClient(Idp.CreateClient(), "mapping-service", fixture.MappingServiceSecret).ClientCredentialsAsync("mapping")).EnsureSuccess();
        var gateway = await StartGatewayAsync();

        Assert.True((await gateway.ValidateAsync(gatewayBound.AccessToken!)).Accepted);
        Assert.Equal("mapping-service", new JsonWebToken(gatewayBound.AccessToken).GetClaim("mainframe_id").Value);
        Assert.False((await gateway.ValidateAsync(otherAudience.AccessToken!)).Accepted);
        Assert.False(new JsonWebToken(otherAudience.AccessToken).TryGetClaim("mainframe_id", out _));
    }

    [Fact]
    public async Task a_gateway_mistakenly_trusting_the_general_jwks_but_reading_mainframe_id_still_maps_no_password_only_token()
    {
        var passwordOnly = (await MappedExemptUserSignInAsync("mona", "ZMONA")).AccessToken!;
        var service = (await new OidcClient(Idp.CreateClient(), "batch-job", fixture.BatchJobSecret).ClientCredentialsAsync("zowe")).EnsureSuccess().AccessToken!;
        await fixture.MapAsync("batch-job", "ZBATCH", IdP.Server.Mainframe.IdentityMapping.ClientKind);

        var misconfigured = new ApiMlGateway(fixture.Http(), fixture.GatewayKeys, Idp.Clock, GatewayContractFixture.Registry, "/.well-known/jwks",
            userIdField: "mainframe_id");
        await misconfigured.StartAsync();

        // The signature checks out against the wrong JWKS, but the token has no mainframe_id to map.
        var verdict = await misconfigured.ValidateAsync(passwordOnly);
        Assert.False(verdict.Accepted);
        Assert.Equal("no distributed identity", verdict.Refusal);
        Assert.Null(await misconfigured.MapAsync(passwordOnly));

        // Correctly configured, the same setting maps a gateway-signed token by its mainframe_id.
        var configured = new ApiMlGateway(fixture.Http(), fixture.GatewayKeys, Idp.Clock, GatewayContractFixture.Registry, GatewayContractFixture.IdpJwksPath,
            userIdField: "mainframe_id");
        await configured.StartAsync();
        Assert.Equal("ZBATCH", await configured.MapAsync(service));
    }
}
