using IdP.Tests.Infrastructure;
using IdP.Tests.Mfa;

namespace IdP.Tests.Mainframe;

/// <summary>
/// The API ML gateway as an OIDC client for browser login: client_secret_basic, openid profile email, no PKCE,
/// redirect /gateway/login/oauth2/code/{id}. Registered with one CLI option, and usable as API ML uses it.
/// </summary>
public sealed class ApiMlClientProfileTests(AdminCli cli) : IClassFixture<AdminCli>
{
    private const string RedirectUri = "https://zowe.example.com:7554/gateway/login/oauth2/code/apiml";

    [Fact]
    public async Task the_apiml_gateway_profile_signs_a_user_in_without_pkce_using_client_secret_basic()
    {
        // Arrange: the profile, registered as an administrator would.
        var added = (await cli.RunAsync("clients", "add", "apiml", "--apiml-gateway", "https://zowe.example.com:7554", "--json")).EnsureSuccess();
        var secret = added.Json.GetProperty("secret").GetString()!;
        var shown = (await cli.RunAsync("clients", "show", "apiml", "--json")).EnsureSuccess().Json;
        Assert.Equal("confidential", shown.GetProperty("type").GetString());
        Assert.False(shown.GetProperty("requirePkce").GetBoolean());
        Assert.Equal(RedirectUri, shown.GetProperty("redirectUris")[0].GetString());

        await cli.Server.CreateUserAsync("gwuser", MfaJourney.Password);
        using var browser = cli.Server.CreateBrowser();
        var gateway = new OidcClient(cli.Server.CreateClient(), "apiml", secret, RedirectUri);

        // Act: the browser login API ML runs, with no code_challenge.
        var outcome = await browser.NavigateAsync(gateway.AuthorizeUrl(pkce: null, "openid profile email"));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "gwuser", MfaJourney.Password);
        var code = outcome.RedirectParameters()["code"];
        var tokens = await gateway.PostTokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", RedirectUri));

        // Assert
        tokens.EnsureSuccess();
        Assert.NotNull(tokens.IdToken);

        // API ML keeps this access token as its session and acts on the mainframe with it: gateway-signed, though
        // its scopes are only openid profile email. The ID token stays general-signed.
        var gatewayJwks = await TokenVerifier.FetchGatewayJwksAsync(cli.Server.CreateClient());
        Assert.True(await TokenVerifier.IsSignedByAsync(gatewayJwks, tokens.AccessToken!));
        Assert.False(await TokenVerifier.IsSignedByAsync(gatewayJwks, tokens.IdToken!));
        Assert.NotNull(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(tokens.AccessToken).GetClaim("mainframe_id").Value);
    }

    [Fact]
    public async Task the_apiml_profile_refuses_options_that_would_change_it_and_a_non_https_gateway()
    {
        (await cli.RunAsync("clients", "add", "apiml-bad", "--apiml-gateway", "http://zowe.example.com")).AssertRefused();
        (await cli.RunAsync("clients", "add", "apiml-mixed", "--apiml-gateway", "https://zowe.example.com", "--public")).AssertRefused();
        Assert.Contains("cannot contain '_'", (await cli.RunAsync("clients", "add", "zowe_gw", "--apiml-gateway", "https://zowe.example.com")).AssertRefused(),
            StringComparison.Ordinal);
        Assert.Contains("not allowed for the gateway's browser-login client",
            (await cli.RunAsync("clients", "add", "apiml-weak", "--apiml-gateway", "https://zowe.example.com", "--mfa-policy", "none")).AssertRefused(),
            StringComparison.Ordinal);
    }
}
