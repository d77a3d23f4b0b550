using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using IdP.Tests.Mfa;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Browser;

/// <summary>
/// Passkeys in a real browser: Chromium's virtual authenticator registers a passkey on the account page, then
/// signs in with it after the password, without any password, and with a cloned (rewound) counter.
/// </summary>
[Collection(ChromiumCollection.Name)]
public sealed class PasskeyBrowserTests(ChromiumFixture chromium, LocalhostKestrelIdpFactory idp) : BrowserTest(chromium), IClassFixture<LocalhostKestrelIdpFactory>
{
    private const string Password = "Correct-Horse-9";
    private const string ClientOrigin = "https://app.example";

    private Task<bool> SeedClientsAsync() => idp.OnceAsync("clients", async () =>
    {
        await idp.CreateClientAsync(new ClientSpec("passkey-web", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile]));
        await idp.CreateClientAsync(new ClientSpec("phishing-resistant-web", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile], MfaPolicy: ClientMfaPolicy.PhishingResistant));
        return true;
    });

    /// <summary>Signs in with password + code on the account page and registers a passkey named <paramref name="name"/>.</summary>
    private async Task<VirtualAuthenticator> RegisterPasskeyAsync(string user, string name)
    {
        await SeedClientsAsync();
        await idp.CreateUserAsync(user, Password);
        var authenticator = await VirtualAuthenticator.AttachAsync(Page);

        await Page.GotoAsync(idp.Url("/account"));
        await Page.SignInAsync(user, Password);
        await Page.EnterAuthenticatorCodeAsync(idp.Authenticators.NextCode(user));
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Your account", Level = 1 })).ToBeVisibleAsync();

        await Page.GetByLabel("Name for a new passkey").FillAsync(name);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add a passkey" }).ClickAsync();
        await Expect(Page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);
        Assert.Single(await authenticator.CredentialsAsync());

        await Page.GotoAsync(idp.Url("/account/logout"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        return authenticator;
    }

    /// <summary>Redeems the code; asserts the access token and the ID token agree on amr/acr/auth_time; returns the ID token.</summary>
    private async Task<Microsoft.IdentityModel.JsonWebTokens.JsonWebToken> RedeemAsync(ClientApplication application, OidcClient client, Pkce pkce)
    {
        var callback = await application.ReceiveCallbackAsync(OidcClient.DefaultRedirectUri);
        var tokens = (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var idToken = await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT", issuer: idp.IssuerUrl);
        var accessToken = await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt", issuer: idp.IssuerUrl);
        Assert.Equal(idToken.Amr(), accessToken.Amr());
        Assert.Equal(idToken.GetClaim("acr").Value, accessToken.GetClaim("acr").Value);
        Assert.Equal(idToken.GetClaim("auth_time").Value, accessToken.GetClaim("auth_time").Value);
        return idToken;
    }

    [Fact]
    public async Task a_passkey_registered_on_the_account_page_serves_as_second_factor_and_for_passwordless_sign_in()
    {
        await RegisterPasskeyAsync("mona", "Laptop");

        // Password + passkey: the second step offers the passkey, and the tokens say so.
        var client = new OidcClient(idp.CreateClient(), "passkey-web");
        var pkce = Pkce.Create();
        var application = await ClientApplication.ServeAsync(Page, ClientOrigin);
        await Page.GotoAsync(idp.Url(client.AuthorizeUrl(pkce, "openid")));
        await Page.SignInAsync("mona", Password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey instead" }).ClickAsync();
        var secondFactor = await RedeemAsync(application, client, pkce);
        Assert.Equal(["pwd", "hwk", "user", "mfa"], secondFactor.Amr());
        Assert.Equal(AuthenticationLevels.PhishingResistant, secondFactor.GetClaim("acr").Value);

        // Passwordless, username-less, into a client that accepts only phishing-resistant sign-in.
        await Page.Context.ClearCookiesAsync();
        var strict = new OidcClient(idp.CreateClient(), "phishing-resistant-web");
        var strictPkce = Pkce.Create();
        var strictApplication = await ClientApplication.ServeAsync(Page, ClientOrigin);
        await Page.GotoAsync(idp.Url(strict.AuthorizeUrl(strictPkce, "openid")));
        await Page.ExpectLoginPageAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        var passwordless = await RedeemAsync(strictApplication, strict, strictPkce);
        Assert.Equal(["hwk", "user", "mfa"], passwordless.Amr());
        Assert.Equal(AuthenticationLevels.PhishingResistant, passwordless.GetClaim("acr").Value);
    }

    [Fact]
    public async Task a_passkey_whose_sign_counter_goes_backwards_is_refused_and_recorded()
    {
        // Arrange: a passkey used once, then "cloned": the same key with its counter set back to zero.
        var authenticator = await RegisterPasskeyAsync("nils", "Security key");
        await Page.GotoAsync(idp.Url("/account/login"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        await Expect(Page.GetByText("You are signed in as")).ToBeVisibleAsync();
        await Page.Context.ClearCookiesAsync();
        var credential = Assert.Single(await authenticator.CredentialsAsync());
        Assert.True(credential.GetProperty("signCount").GetInt32() >= 2);
        await authenticator.RewindSignCountAsync(credential, 0);

        // Act
        await Page.GotoAsync(idp.Url("/account/login"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();

        // Assert: refused with the reason, not signed in, and in the audit log.
        await Expect(Page.GetByRole(AriaRole.Status).Filter(new() { HasText = "sign count went backwards" })).ToBeVisibleAsync();
        await Page.GotoAsync(idp.Url("/"));
        await Expect(Page.GetByText("You are not signed in")).ToBeVisibleAsync();
        var recorded = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .CountAsync(e => e.Type == "signin.passkey" && e.Outcome == "failure" && e.Reason!.Contains("sign count went backwards")));
        Assert.True(recorded >= 1);
    }
}
