using IdP.Server.Accounts;
using IdP.Server.Administration;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mfa;

/// <summary>Per-client MFA policy, gateway audiences, and step-up with acr_values (OIDC Core §3.1.2.1).</summary>
public sealed class StepUpAndPolicyTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private Task<bool> SeedAsync() => idp.OnceAsync("policies", async () =>
    {
        await idp.AdministerAsync(async s =>
        {
            await s.GetRequiredService<ScopeAdministration>().AddAsync("zowe", ["zowe-gateway"], null);
            return true;
        });
        await idp.CreateClientAsync(new ClientSpec("relaxed-app", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile, "zowe"], MfaPolicy: ClientMfaPolicy.MultiFactor));
        await idp.CreateClientAsync(new ClientSpec("passkey-app", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile], MfaPolicy: ClientMfaPolicy.PhishingResistant));
        return true;
    });

    /// <summary>An administrator-exempted user (password only), who also has an authenticator for step-up.</summary>
    private async Task<string> ExemptUserAsync(string name)
    {
        await SeedAsync();
        await idp.CreateUserAsync(name, MfaJourney.Password);
        await idp.AdministerAsync(async s =>
        {
            var users = s.GetRequiredService<UserManager<IdpUser>>();
            var user = await users.FindByNameAsync(name);
            user!.MfaExempt = true;
            return await users.UpdateAsync(user);
        });
        return name;
    }

    [Fact]
    public async Task acr_values_asking_for_mfa_steps_up_a_password_session_without_a_new_login()
    {
        // Arrange: an exempt user signs in with the password alone; the tokens say so.
        var user = await ExemptUserAsync("ivan");
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "relaxed-app");
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, user, MfaJourney.Password, "openid");
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var passwordOnly = await TokenVerifier.VerifyAsync(jwks, (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess().IdToken!, "JWT");
        Assert.Equal(AuthenticationLevels.Password, passwordOnly.GetClaim("acr").Value);
        Assert.Equal(["pwd"], passwordOnly.Amr());

        // Act: the application asks for the MFA level; IdP asks for the second factor only.
        idp.Clock.Advance(TimeSpan.FromMinutes(1));
        var stepUpPkce = Pkce.Create();
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(stepUpPkce, "openid", extra: [("acr_values", AuthenticationLevels.MultiFactor)]));
        var secondStep = outcome.RequirePage();
        Assert.Contains("/account/mfa?level=", secondStep.Url, StringComparison.Ordinal);
        outcome = await browser.SubmitAsync(secondStep, 0, ("Code", idp.Authenticators.NextCode(user)));

        // Assert: the new tokens prove both factors, and auth_time is the step-up's time (what max_age measures).
        var steppedUp = await TokenVerifier.VerifyAsync(jwks,
            (await client.RedeemCodeAsync(outcome.RedirectParameters()["code"], stepUpPkce.Verifier)).EnsureSuccess().IdToken!, "JWT");
        Assert.Equal(AuthenticationLevels.MultiFactor, steppedUp.GetClaim("acr").Value);
        Assert.Equal(["pwd", "otp", "mfa"], steppedUp.Amr());
        Assert.True(long.Parse(steppedUp.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture)
                    >= long.Parse(passwordOnly.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture) + 60);
    }

    [Fact]
    public async Task acr_values_with_prompt_none_on_a_weaker_session_returns_interaction_required()
    {
        var user = await ExemptUserAsync("jade");
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "relaxed-app");
        await browser.SignInForCodeAsync(client, Pkce.Create(), user, MfaJourney.Password, "openid");

        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid",
            extra: [("acr_values", AuthenticationLevels.MultiFactor), ("prompt", "none")]));

        Assert.Equal(Errors.InteractionRequired, outcome.RedirectParameters()["error"]);
    }

    [Fact]
    public async Task an_exempt_user_is_refused_a_gateway_audience_with_interaction_required_even_after_proving_a_second_factor()
    {
        var user = await ExemptUserAsync("kira");
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "relaxed-app");

        // An exempt user's password session gets an ordinary token; then the application asks for the gateway audience.
        await browser.SignInForCodeAsync(client, Pkce.Create(), user, MfaJourney.Password, "openid");
        var refused = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid zowe"));

        // Stepping up with the authenticator the user has still does not make an exempt account a mainframe user.
        var stepUp = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid", extra: [("acr_values", AuthenticationLevels.MultiFactor)]));
        stepUp = await browser.SubmitAsync(stepUp.RequirePage(), 0, ("Code", idp.Authenticators.NextCode(user)));
        Assert.True(stepUp.RequireRedirect().ToString().Contains("code=", StringComparison.Ordinal), stepUp.RequireRedirect().ToString());
        var refusedAfterStepUp = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid zowe"));

        foreach (var outcome in new[] { refused, refusedAfterStepUp })
        {
            Assert.Equal(Errors.InteractionRequired, outcome.RedirectParameters()["error"]);
            Assert.Contains("exempt from MFA", outcome.RedirectParameters()["error_description"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task a_client_with_the_phishing_resistant_policy_refuses_totp()
    {
        await SeedAsync();
        await idp.CreateUserAsync("lena", MfaJourney.Password);
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "passkey-app");

        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid"));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "lena", MfaJourney.Password);

        // Signed in with password + TOTP, the user is still asked for a passkey; a code does not get through.
        var page = outcome.RequirePage();
        Assert.True(page.Contains("This application needs a passkey"), page.Html);
        Assert.Empty(page.Forms);
        var posted = await browser.PostAsync(page.Url, ("Code", idp.Authenticators.NextCode("lena")));
        Assert.Null(posted.RedirectedTo);
    }

    [Fact]
    public async Task the_none_policy_is_refused_for_a_client_whose_scopes_reach_a_gateway_audience()
    {
        await SeedAsync();

        var refused = await Assert.ThrowsAsync<AdministrationException>(() => idp.CreateClientAsync(new ClientSpec("lax-gateway-app",
            ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["zowe"], MfaPolicy: ClientMfaPolicy.None)));

        Assert.Contains("zowe-gateway", refused.Message, StringComparison.Ordinal);
    }
}
