using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Browser;

/// <summary>A new user's first sign-in in a real browser: password, then TOTP enrolment on the QR page.</summary>
[Collection(ChromiumCollection.Name)]
public sealed class TotpEnrolmentBrowserTests(ChromiumFixture chromium, KestrelIdpFactory idp) : BrowserTest(chromium), IClassFixture<KestrelIdpFactory>
{
    private const string Password = "Correct-Horse-9";

    [Fact]
    public async Task a_new_user_enrols_an_authenticator_from_the_qr_page_saves_recovery_codes_and_reaches_the_client()
    {
        // Arrange: a user with a password only.
        await idp.CreateUserWithoutSecondFactorAsync("olive", Password);
        await idp.CreateClientAsync(new ClientSpec("enrol-web", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId]));
        var client = new OidcClient(idp.CreateClient(), "enrol-web");
        var pkce = Pkce.Create();
        var application = await ClientApplication.ServeAsync(Page, "https://app.example");

        // Act: sign in; IdP asks for the activation code the help desk gave, then shows the enrolment page with a QR
        // code that renders, and the key in text.
        await Page.GotoAsync(idp.Url(client.AuthorizeUrl(pkce, "openid")));
        await Page.SignInAsync("olive", Password);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Enter your activation code" })).ToBeVisibleAsync();
        await Page.GetByLabel("Activation code").FillAsync(idp.Authenticators.ActivationCode("olive").ToLowerInvariant());
        await Page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator" })).ToBeVisibleAsync();
        var qr = Page.GetByRole(AriaRole.Img, new() { Name = "QR code for your authenticator app" });
        await Expect(qr).ToBeVisibleAsync();
        Assert.True(await qr.EvaluateAsync<int>("img => img.naturalWidth") > 0, "The QR code image did not render.");
        await Page.ScreenshotIfRequestedAsync("totp-enrolment");

        // The test is the authenticator app: it reads the key shown and enters the code it computes.
        var key = await Page.Locator("#manual-key").InnerTextAsync();
        idp.Authenticators.Register("olive", TestAuthenticators.ParseManualKey(key));
        await Page.GetByLabel("Code from the app").FillAsync(idp.Authenticators.NextCode("olive"));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();

        // Assert: ten recovery codes are shown once; continuing reaches the client with a code.
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Save your recovery codes" })).ToBeVisibleAsync();
        await Expect(Page.Locator(".recovery-codes li")).ToHaveCountAsync(10);
        await Page.GetByRole(AriaRole.Link, new() { Name = "I have saved them, continue" }).ClickAsync();
        var callback = await application.ReceiveCallbackAsync(OidcClient.DefaultRedirectUri);
        (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();
    }
}
