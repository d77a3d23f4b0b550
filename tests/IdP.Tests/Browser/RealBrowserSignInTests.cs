using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Browser;

/// <summary>
/// Sign-in as a person does it: Debian's Chromium, driven by Playwright, talking over TCP to IdP on real Kestrel.
/// The client's web site (<c>https://app.example</c>) is answered inside the browser; the client's back channel
/// (token endpoint, JWKS) is plain HTTP to the same Kestrel server.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class RealBrowserSignInTests(ChromiumFixture chromium, KestrelIdpFactory idp) : BrowserTest(chromium), IClassFixture<KestrelIdpFactory>
{
    private const string Password = "Correct-Horse-9";
    private const string ClientOrigin = "https://app.example";

    [Fact]
    public async Task a_user_signs_in_with_a_real_browser_and_the_client_receives_a_code()
    {
        // Arrange: a user, and a public client (PKCE) that does not ask for consent.
        var user = await idp.CreateUserAsync("alice", Password, "alice@example.com");
        await idp.CreateClientAsync(new ClientSpec("browser-spa", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile]));
        var client = new OidcClient(idp.CreateClient(), "browser-spa");
        var pkce = Pkce.Create();
        var application = await ClientApplication.ServeAsync(Page, ClientOrigin);

        // Act: the application sends the browser to IdP, which shows its login page; the user signs in.
        await Page.GotoAsync(idp.Url(client.AuthorizeUrl(pkce)));
        await Page.ExpectLoginPageAsync();
        await Page.ScreenshotIfRequestedAsync("login");
        await Page.SignInAsync("alice", Password);
        await Page.EnterAuthenticatorCodeAsync(idp.Authenticators.NextCode("alice"));

        // Assert: the browser lands back on the application's exact redirect URI with a code, the state and the issuer.
        var callback = await application.ReceiveCallbackAsync(OidcClient.DefaultRedirectUri);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = ClientApplication.LandingHeading })).ToBeVisibleAsync();
        Assert.Equal("state-1", callback["state"]);
        Assert.Equal(IdpFactory.Issuer, callback["iss"]); // RFC 9207
        Assert.False(string.IsNullOrEmpty(callback["code"]));

        // The code redeems once, with the PKCE verifier, for tokens that verify against the published JWKS.
        var tokens = (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var accessToken = await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt", audience: "idp");
        Assert.Equal(user.Id, accessToken.Subject);
        Assert.Equal("browser-spa", accessToken.GetClaim("client_id").Value);
        Assert.Equal("pwd", accessToken.GetClaim("amr").Value);
        var idToken = await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT", audience: "browser-spa");
        Assert.Equal("nonce-state-1", idToken.GetClaim("nonce").Value);

        var replay = await client.RedeemCodeAsync(callback["code"], pkce.Verifier);
        Assert.Equal(Errors.InvalidGrant, replay.Error);
    }

    [Fact]
    public async Task a_wrong_password_shows_an_alert_keeps_the_user_name_and_the_next_try_still_reaches_the_client()
    {
        await idp.CreateUserAsync("bob", Password);
        await idp.CreateClientAsync(new ClientSpec("browser-retry", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId]));
        var client = new OidcClient(idp.CreateClient(), "browser-retry");
        var pkce = Pkce.Create();
        var application = await ClientApplication.ServeAsync(Page, ClientOrigin);
        await Page.GotoAsync(idp.Url(client.AuthorizeUrl(pkce, "openid")));

        await Page.SignInAsync("bob", "not-the-password");

        // The person sees why, in a message screen readers announce, and only has to type the password again.
        await Expect(Page.Alert()).ToContainTextAsync("The user name or password is incorrect.");
        await Page.ExpectLoginPageAsync();
        await Expect(Page.UserNameField()).ToHaveValueAsync("bob");
        await Expect(Page.PasswordField()).ToHaveValueAsync("");
        await Expect(Page.PasswordField()).ToBeFocusedAsync();
        await Page.ScreenshotIfRequestedAsync("login-wrong-password");

        await Page.PasswordField().FillAsync(Password);
        await Page.SignInButton().ClickAsync();
        await Page.EnterAuthenticatorCodeAsync(idp.Authenticators.NextCode("bob"));

        // The failed attempt did not lose the authorization request.
        var callback = await application.ReceiveCallbackAsync(OidcClient.DefaultRedirectUri);
        Assert.Equal("state-1", callback["state"]);
        (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();
    }

    [Fact]
    public async Task the_login_form_labels_its_fields_and_ties_each_error_to_its_field()
    {
        await Page.GotoAsync(idp.Url("/account/login"));
        await Page.ExpectLoginPageAsync();

        // Labels are associated with their inputs (GetByLabel finds them), the cursor starts in the first field,
        // Tab moves to the password, and password managers get the autocomplete hints.
        await Expect(Page.UserNameField()).ToBeFocusedAsync();
        await Page.Keyboard.PressAsync("Tab");
        await Expect(Page.PasswordField()).ToBeFocusedAsync();
        await Expect(Page.PasswordField()).ToHaveAttributeAsync("type", "password");
        await Expect(Page.UserNameField()).ToHaveAttributeAsync("autocomplete", "username");
        await Expect(Page.PasswordField()).ToHaveAttributeAsync("autocomplete", "current-password");

        // An empty form: each field says what is missing, as its accessible description, and is marked invalid.
        await Page.SignInButton().ClickAsync();
        await Page.ExpectLoginPageAsync();
        await Expect(Page.UserNameField()).ToHaveAccessibleDescriptionAsync("Enter your user name or e-mail address.");
        await Expect(Page.UserNameField()).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(Page.PasswordField()).ToHaveAccessibleDescriptionAsync("Enter your password.");
        await Expect(Page.PasswordField()).ToHaveAttributeAsync("aria-invalid", "true");
    }

    [Fact]
    public async Task a_user_allows_an_application_on_the_consent_page_and_the_client_receives_a_code()
    {
        var user = await idp.CreateUserAsync("carol", Password, "carol@example.com");
        var secret = await idp.CreateClientAsync(new ClientSpec("browser-web", ClientKind.Confidential, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Email], RequireConsent: true, DisplayName: "Payroll"));
        var client = new OidcClient(idp.CreateClient(), "browser-web", secret);
        var pkce = Pkce.Create();
        var application = await ClientApplication.ServeAsync(Page, ClientOrigin);

        await Page.GotoAsync(idp.Url(client.AuthorizeUrl(pkce, "openid email")));
        await Page.SignInAsync("carol", Password);
        await Page.EnterAuthenticatorCodeAsync(idp.Authenticators.NextCode("carol"));
        await Expect(Page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "e-mail" })).ToBeVisibleAsync();
        await Page.ScreenshotIfRequestedAsync("consent");
        await Page.AllowAsync("Payroll");

        var callback = await application.ReceiveCallbackAsync(OidcClient.DefaultRedirectUri);
        var tokens = (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var idToken = await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT", audience: "browser-web");
        Assert.Equal(user.Id, idToken.Subject);
        Assert.Equal("carol@example.com", idToken.GetClaim("email").Value);
    }
}
