using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>Single sign-on, and the OIDC Core §3.1.2.1 parameters that override it: prompt and max_age.</summary>
public sealed class SessionTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private const string Password = "Correct-Horse-9";

    private Task<bool> SeedAsync() => idp.OnceAsync("apps", async () =>
    {
        foreach (var id in new[] { "app-one", "app-two" })
        {
            await idp.CreateClientAsync(new ClientSpec(id, ClientKind.Public, [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken],
                [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess]));
        }

        return true;
    });

    private async Task<(BrowserClient Browser, string UserId)> SignedInAsync(string userName)
    {
        await SeedAsync();
        var user = await idp.CreateUserAsync(userName, Password);
        var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "app-one");
        var pkce = Pkce.Create();
        await client.RedeemCodeAsync(await browser.SignInForCodeAsync(client, pkce, userName, Password), pkce.Verifier);
        return (browser, user.Id);
    }

    private async Task<long> AuthTimeAsync(string code, Pkce pkce, string clientId = "app-two")
    {
        var tokens = (await new OidcClient(idp.CreateClient(), clientId).RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
        var idToken = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()), tokens.IdToken!, "JWT");
        return long.Parse(idToken.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task a_second_application_signs_the_user_in_without_asking_for_the_password_again()
    {
        var (browser, _) = await SignedInAsync("henry");

        var outcome = await browser.NavigateAsync(new OidcClient(idp.CreateClient(), "app-two").AuthorizeUrl(Pkce.Create()));

        Assert.True(outcome.RedirectParameters().ContainsKey("code"));
    }

    [Fact]
    public async Task prompt_none_with_a_session_returns_a_code_without_any_page()
    {
        var (browser, _) = await SignedInAsync("irene");

        var outcome = await browser.NavigateAsync(new OidcClient(idp.CreateClient(), "app-two").AuthorizeUrl(Pkce.Create(), extra: [("prompt", "none")]));

        Assert.True(outcome.RedirectParameters().ContainsKey("code"));
    }

    [Fact]
    public async Task prompt_login_asks_for_the_password_again_and_the_new_auth_time_is_reported()
    {
        var (browser, _) = await SignedInAsync("jack");
        idp.Clock.Advance(TimeSpan.FromSeconds(5));
        var signedInAt = idp.Clock.GetUtcNow().ToUnixTimeSeconds();
        var client = new OidcClient(idp.CreateClient(), "app-two");
        var pkce = Pkce.Create();

        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(pkce, extra: [("prompt", "login")]));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "jack", Password);
        var code = outcome.RedirectParameters()["code"];

        Assert.True(await AuthTimeAsync(code, pkce) >= signedInAt);
    }

    [Fact]
    public async Task max_age_is_measured_from_the_last_authentication_not_from_the_session()
    {
        var (browser, _) = await SignedInAsync("kate");
        var client = new OidcClient(idp.CreateClient(), "app-two");
        idp.Clock.Advance(TimeSpan.FromMinutes(2));

        // Authenticated two minutes ago: within max_age=600 the session is reused...
        var recent = Pkce.Create();
        var reused = await browser.NavigateAsync(client.AuthorizeUrl(recent, extra: [("max_age", "600")]));
        var reusedAuthTime = await AuthTimeAsync(reused.RedirectParameters()["code"], recent);

        // ...but max_age=60 demands a fresh sign-in, and auth_time moves forward.
        var strict = Pkce.Create();
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(strict, extra: [("max_age", "60")]));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "kate", Password);
        var freshAuthTime = await AuthTimeAsync(outcome.RedirectParameters()["code"], strict);

        Assert.True(freshAuthTime >= reusedAuthTime + 120);
    }

    [Fact]
    public async Task a_disabled_user_loses_the_session_and_the_refresh_token_stops_working()
    {
        await SeedAsync();
        await idp.CreateUserAsync("liam", Password);
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "app-one");
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, "liam", Password, "openid offline_access");
        var tokens = (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();

        await idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<UserAdministration>().SetDisabledAsync("liam", disabled: true);
            return true;
        });

        Assert.Equal(Errors.InvalidGrant, (await client.RefreshAsync(tokens.RefreshToken!)).Error);
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create()));
        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
        outcome = await browser.LoginAsync(outcome.RequirePage(), "liam", Password);
        Assert.True(outcome.RequirePage().Contains("This account is disabled"));
    }

    [Theory]
    [InlineData("set-password")]
    [InlineData("reset-mfa")]
    public async Task an_administrators_credential_reset_revokes_the_users_refresh_tokens(string reset)
    {
        // Arrange: a user with a refresh token (as an intruder might hold one).
        await SeedAsync();
        var name = "rev-" + reset;
        await idp.CreateUserAsync(name, Password);
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "app-one");
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, name, Password, "openid offline_access");
        var tokens = (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();

        // Act: the clean-up after a compromise.
        await idp.AdministerAsync(async services =>
        {
            if (reset == "set-password")
            {
                await services.GetRequiredService<UserAdministration>().SetPasswordAsync(name, "Another-Horse-7");
            }
            else
            {
                await services.GetRequiredService<SecondFactorAdministration>().ResetAsync(name);
            }

            return true;
        });

        // Assert
        Assert.Equal(Errors.InvalidGrant, (await client.RefreshAsync(tokens.RefreshToken!)).Error);
    }

    [Fact]
    public async Task the_return_url_of_prompt_login_cannot_be_replayed_to_skip_signing_in_again()
    {
        // Arrange: a signed-in browser, and the login page a prompt=login request leads to.
        var (browser, _) = await SignedInAsync("victor");
        var client = new OidcClient(idp.CreateClient(), "app-two");
        var login = (await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), extra: [("prompt", "login")]))).RequirePage();
        var returnUrl = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri(login.Url).Query)["ReturnUrl"].ToString();
        Assert.DoesNotContain("prompt=login", returnUrl, StringComparison.Ordinal);

        // Act: someone at the browser opens the return URL directly, or with the marker tampered with.
        var replay = await browser.NavigateAsync(returnUrl);
        var tampered = await browser.NavigateAsync(returnUrl.Replace("idp_auth_after=", "idp_auth_after=x", StringComparison.Ordinal));

        // Assert: both still demand the sign-in; no code reaches the client.
        Assert.Contains("/account/login", replay.RequirePage().Url, StringComparison.Ordinal);
        Assert.Contains("/account/login", tampered.RequirePage().Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task password_guessing_against_a_disabled_account_is_bounded_by_the_lockout()
    {
        await idp.CreateUserAsync("wanda", Password);
        await idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<UserAdministration>().SetDisabledAsync("wanda", disabled: true);
            return true;
        });
        using var browser = idp.CreateBrowser();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), "wanda", "guess-" + attempt);
        }

        // The guesses were counted: the account is locked, and even the right password no longer confirms anything.
        var outcome = await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), "wanda", Password);
        Assert.False(outcome.RequirePage().Contains("This account is disabled"));
        var locked = await idp.AdministerAsync(s => Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.SingleAsync(
            s.GetRequiredService<IdP.Server.Data.IdpDbContext>().Users, u => u.UserName == "wanda"));
        Assert.NotNull(locked.LockoutEnd);
    }
}
