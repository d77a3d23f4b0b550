using System.Net;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>The attacks RFC 9700 lists against the code flow, each one refused.</summary>
public sealed class AuthorizationCodeSecurityTests : IClassFixture<IdpFactory>, IAsyncLifetime
{
    private const string Password = "Correct-Horse-9";
    private readonly IdpFactory _idp;
    private string _secret = "";

    public AuthorizationCodeSecurityTests(IdpFactory idp) => _idp = idp;

    public async Task InitializeAsync() => _secret = await _idp.OnceAsync("seed", async () =>
    {
        await _idp.CreateUserAsync("bob", Password);
        await _idp.CreateClientAsync(new ClientSpec("public-app", ClientKind.Public,
            [GrantTypes.AuthorizationCode], [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile]));
        return (await _idp.CreateClientAsync(new ClientSpec("confidential-app", ClientKind.Confidential,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], [],
            [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess])))!;
    });

    public Task DisposeAsync() => Task.CompletedTask;

    private OidcClient Confidential(string? secret = null) => new(_idp.CreateClient(), "confidential-app", secret ?? _secret);

    private OidcClient Public() => new(_idp.CreateClient(), "public-app");

    [Fact]
    public async Task a_code_redeemed_with_the_wrong_pkce_verifier_is_refused()
    {
        using var browser = _idp.CreateBrowser();
        var client = Public();
        var code = await browser.SignInForCodeAsync(client, Pkce.Create(), "bob", Password);

        var response = await client.RedeemCodeAsync(code, Pkce.Create().Verifier);

        Assert.Equal(400, response.Status);
        Assert.Equal(Errors.InvalidGrant, response.Error);
    }

    [Fact]
    public async Task a_public_client_cannot_start_a_flow_without_pkce_or_with_the_plain_method()
    {
        using var browser = _idp.CreateBrowser();
        var client = Public();

        var withoutPkce = await browser.NavigateAsync(client.AuthorizeUrl(pkce: null));
        AssertRefusedForPkce(withoutPkce);

        var plain = await browser.NavigateAsync(client.AuthorizeUrl(pkce: null,
            extra: [("code_challenge", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ"), ("code_challenge_method", "plain")]));
        AssertRefusedForPkce(plain);
    }

    /// <summary>No code is issued; the error (on IdP's page, or sent to the client) names the PKCE parameter.</summary>
    private static void AssertRefusedForPkce(Outcome outcome)
    {
        if (outcome.RedirectedTo is not null)
        {
            var parameters = outcome.RedirectParameters();
            Assert.False(parameters.ContainsKey("code"));
            Assert.Equal(Errors.InvalidRequest, parameters["error"]);
            Assert.Contains("code_challenge", parameters["error_description"], StringComparison.Ordinal);
        }
        else
        {
            var page = outcome.RequirePage();
            Assert.Equal(400, page.StatusCode);
            Assert.True(page.Contains("code_challenge"), page.Html);
        }
    }

    [Theory]
    [InlineData("https://app.example/callback/")]
    [InlineData("https://app.example/callback?next=https://evil.example")]
    [InlineData("https://APP.example/callback")]
    [InlineData("https://evil.example/callback")]
    public async Task a_redirect_uri_that_is_not_registered_exactly_gets_an_error_page_not_a_redirect(string redirectUri)
    {
        using var browser = _idp.CreateBrowser();
        var client = new OidcClient(_idp.CreateClient(), "public-app", redirectUri: redirectUri);

        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create()));

        // RFC 9700 §4.1.3 / RFC 6749 §4.1.2.1: never redirect to an unverified URI (no open redirect).
        var page = outcome.RequirePage();
        Assert.Equal(400, page.StatusCode);
        Assert.True(page.Contains("redirect_uri"), page.Html);
    }

    [Fact]
    public async Task an_unknown_client_gets_an_error_page()
    {
        using var browser = _idp.CreateBrowser();

        var outcome = await browser.NavigateAsync(new OidcClient(_idp.CreateClient(), "no-such-client").AuthorizeUrl(Pkce.Create()));

        var page = outcome.RequirePage();
        Assert.Equal(400, page.StatusCode);
        Assert.True(page.Contains("client_id"));
    }

    [Fact]
    public async Task the_token_endpoint_refuses_a_wrong_client_secret()
    {
        using var browser = _idp.CreateBrowser();
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(Confidential(), pkce, "bob", Password);

        var response = await Confidential("not-the-secret").RedeemCodeAsync(code, pkce.Verifier);

        Assert.Equal(401, response.Status);
        Assert.Equal(Errors.InvalidClient, response.Error);
    }

    [Fact]
    public async Task a_code_older_than_its_lifetime_is_refused()
    {
        using var browser = _idp.CreateBrowser();
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(Confidential(), pkce, "bob", Password);

        _idp.Clock.Advance(TimeSpan.FromSeconds(61));
        var response = await Confidential().RedeemCodeAsync(code, pkce.Verifier);

        Assert.Equal(Errors.InvalidGrant, response.Error);
    }

    [Fact]
    public async Task a_replayed_code_is_refused_and_revokes_the_tokens_the_first_redemption_issued()
    {
        using var browser = _idp.CreateBrowser();
        var pkce = Pkce.Create();
        var client = Confidential();
        var code = await browser.SignInForCodeAsync(client, pkce, "bob", Password, "openid profile offline_access");
        var first = (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();

        var replay = await client.RedeemCodeAsync(code, pkce.Verifier);

        // RFC 6749 §4.1.2: the code is single-use, and the tokens issued from it should be revoked.
        Assert.Equal(Errors.InvalidGrant, replay.Error);
        var introspection = await client.SendAsync("/connect/introspect", ("token", first.AccessToken));
        Assert.False(introspection.Json.GetProperty("active").GetBoolean());
        Assert.Equal(Errors.InvalidGrant, (await client.RefreshAsync(first.RefreshToken!)).Error);
    }

    [Fact]
    public async Task prompt_none_without_a_session_returns_login_required_to_the_client()
    {
        using var browser = _idp.CreateBrowser();

        var outcome = await browser.NavigateAsync(Public().AuthorizeUrl(Pkce.Create(), extra: [("prompt", "none")]));

        var parameters = outcome.RedirectParameters();
        Assert.Equal(Errors.LoginRequired, parameters["error"]);
        Assert.Equal("state-1", parameters["state"]);
    }

    [Fact]
    public async Task the_login_form_refuses_a_post_without_its_antiforgery_token()
    {
        using var browser = _idp.CreateBrowser();

        // A cross-site page can post the user's (or the attacker's) credentials, but not the antiforgery token.
        var forged = await browser.Http.PostAsync("/account/login", new FormUrlEncodedContent(
            [KeyValuePair.Create("Input.UserName", "bob"), KeyValuePair.Create("Input.Password", Password)]));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie") && forged.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("idp.session", StringComparison.Ordinal)));
        Assert.True((await browser.NavigateAsync("/")).RequirePage().Contains("You are not signed in"));
    }

    [Fact]
    public async Task a_wrong_password_shows_an_error_and_does_not_sign_in()
    {
        using var browser = _idp.CreateBrowser();
        var login = (await browser.NavigateAsync("/account/login")).RequirePage();

        var outcome = await browser.LoginAsync(login, "bob", "wrong-password");

        var page = outcome.RequirePage();
        Assert.True(page.Contains("The user name or password is incorrect."));
        Assert.Contains("role=\"alert\"", page.Html, StringComparison.Ordinal);
        Assert.True((await browser.NavigateAsync("/")).RequirePage().Contains("You are not signed in"));
    }

    [Fact]
    public async Task the_login_page_never_redirects_to_another_site_after_sign_in()
    {
        using var browser = _idp.CreateBrowser();
        var login = (await browser.NavigateAsync("/account/login?ReturnUrl=https%3A%2F%2Fevil.example%2F")).RequirePage();

        var outcome = await browser.LoginAsync(login, "bob", Password);

        Assert.Null(outcome.RedirectedTo);
        Assert.Equal("http://localhost/", outcome.RequirePage().Url);
    }
}
