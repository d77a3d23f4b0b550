using IdP.Server.Data;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Mfa;

/// <summary>Enrolment right after the password, and single-use recovery codes.</summary>
public sealed class EnrolmentAndRecoveryTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private async Task<string> NewUserAsync(string name)
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserWithoutSecondFactorAsync(name, MfaJourney.Password);
        return name;
    }

    /// <summary>Gives the activation code the help desk handed over; returns the enrolment page it opens.</summary>
    private async Task<Page> ActivateAsync(SecondStep step, string user)
    {
        Assert.True(step.Page.Contains("Enter your activation code"), step.Page.Html);
        return (await step.Browser.SubmitAsync(step.Page, 0, ("ActivationCode", idp.Authenticators.ActivationCode(user)))).RequirePage();
    }

    [Fact]
    public async Task weakness_enrolment_required_a_user_without_a_factor_enrols_right_after_the_password_then_signs_in()
    {
        var user = await NewUserAsync("dina");
        using var step = await idp.AtSecondStepAsync(user);

        // The enrolment page, once the activation code is given: a scannable QR code and the manual key.
        var enrolment = await ActivateAsync(step, user);
        Assert.Contains("/account/mfa/enroll", enrolment.Url, StringComparison.Ordinal);
        Assert.True(enrolment.Contains("src=\"data:image/svg+xml;base64,"), enrolment.Html);
        var key = Journeys.ManualKey(enrolment);
        Assert.Equal(32, key.Replace(" ", "", StringComparison.Ordinal).Length); // 160 bits in base32

        // The test is the user's authenticator app: it computes codes from the key the page showed.
        idp.Authenticators.Register(user, TestAuthenticators.ParseManualKey(key));
        var saved = (await step.Browser.SubmitAsync(enrolment, 0, ("Code", idp.Authenticators.NextCode(user)))).RequirePage();
        var recoveryCodes = Journeys.RecoveryCodesOn(saved);
        Assert.Equal(10, recoveryCodes.Count);
        Assert.Equal(10, recoveryCodes.Distinct().Count());

        var tokens = await step.ExpectCodeAsync(await step.Browser.NavigateAsync(Journeys.ContinueLink(saved)));
        var accessToken = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()), tokens.AccessToken!, "at+jwt");
        Assert.Equal(["pwd", "otp", "mfa"], accessToken.Amr());
    }

    [Fact]
    public async Task the_factor_is_not_active_until_confirmed_and_a_wrong_code_keeps_the_same_key()
    {
        var user = await NewUserAsync("emil");
        using var step = await idp.AtSecondStepAsync(user);
        var enrolment = await ActivateAsync(step, user);
        var key = Journeys.ManualKey(enrolment);

        var retry = (await step.Browser.SubmitAsync(enrolment, 0, ("Code", "123456"))).RequirePage();

        Assert.True(retry.Contains("That code is not correct."));
        Assert.Equal(key, Journeys.ManualKey(retry));
        var confirmed = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().TotpAuthenticators
            .CountAsync(t => t.ConfirmedAt != null && s.GetRequiredService<IdpDbContext>().Users.Any(u => u.Id == t.UserId && u.UserName == user)));
        Assert.Equal(0, confirmed);
    }

    [Fact]
    public async Task a_password_alone_cannot_add_an_authenticator_to_an_account_that_has_one()
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserAsync("finn", MfaJourney.Password);
        using var step = await idp.AtSecondStepAsync("finn");

        // Someone who knows only the password tries to enrol their own authenticator.
        var outcome = await step.Browser.NavigateAsync("/account/mfa/enroll");

        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
        Assert.Equal(string.Empty, Journeys.ManualKey(outcome.RequirePage()));
    }

    [Fact]
    public async Task a_recovery_code_signs_in_once_and_is_then_refused()
    {
        var user = await NewUserAsync("gwen");
        using (var browser = idp.CreateBrowser())
        {
            await browser.SignInForCodeAsync(new OidcClient(idp.CreateClient(), MfaJourney.ClientId), Pkce.Create(), user, MfaJourney.Password);
        }

        var code = idp.Authenticators.RecoveryCodes(user)[0];
        using (var first = await idp.AtSecondStepAsync(user))
        {
            // The user follows "Use a recovery code" from the second step, then continues to the application.
            var link = System.Text.RegularExpressions.Regex.Match(first.Page.Html, "href=\"([^\"]*/account/mfa/recovery[^\"]*)\"").Groups[1].Value;
            var recovery = (await first.Browser.NavigateAsync(System.Net.WebUtility.HtmlDecode(link))).RequirePage();
            var used = (await first.Browser.SubmitAsync(recovery, 0, ("Code", code.ToLowerInvariant()))).RequirePage();
            Assert.True(used.Contains("You have 9 recovery codes left."), used.Html);

            var tokens = await first.ExpectCodeAsync(await first.Browser.NavigateAsync(Journeys.ContinueLink(used)));
            var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
            foreach (var token in new[] { await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt"), await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT") })
            {
                Assert.Equal(["pwd", "otp", "mfa"], token.Amr());
                Assert.Equal(AuthenticationLevels.MultiFactor, token.GetClaim("acr").Value);
            }
        }

        using var second = await idp.AtSecondStepAsync(user);
        var again = (await second.Browser.NavigateAsync("/account/mfa/recovery?returnUrl=%2F")).RequirePage();
        var refused = (await second.Browser.SubmitAsync(again, 0, ("Code", code))).RequirePage();
        Assert.True(refused.Contains("That recovery code is not valid, or it has already been used."));
    }

    [Fact]
    public async Task using_the_last_recovery_code_prompts_for_new_codes_and_the_old_ones_stop_working()
    {
        var user = await NewUserAsync("hugo");
        using (var browser = idp.CreateBrowser())
        {
            await browser.SignInForCodeAsync(new OidcClient(idp.CreateClient(), MfaJourney.ClientId), Pkce.Create(), user, MfaJourney.Password);
        }

        var codes = idp.Authenticators.RecoveryCodes(user);
        var userId = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().Users.Where(u => u.UserName == user).Select(u => u.Id).SingleAsync());
        foreach (var spent in codes.Take(9))
        {
            Assert.True(await idp.AdministerAsync(s => s.GetRequiredService<RecoveryCodeService>().RedeemAsync(userId, spent)));
        }

        using var step = await idp.AtSecondStepAsync(user);
        var recovery = (await step.Browser.NavigateAsync("/account/mfa/recovery?returnUrl=%2F")).RequirePage();
        var last = (await step.Browser.SubmitAsync(recovery, 0, ("Code", codes[9]))).RequirePage();
        Assert.True(last.Contains("That was your last recovery code."), last.Html);

        var regenerated = (await step.Browser.SubmitAsync(last, 0)).RequirePage();
        var fresh = Journeys.RecoveryCodesOn(regenerated);
        Assert.Equal(10, fresh.Count);
        Assert.Empty(fresh.Intersect(codes));
        Assert.True(await idp.AdministerAsync(s => s.GetRequiredService<RecoveryCodeService>().RedeemAsync(userId, fresh[0])));
        Assert.False(await idp.AdministerAsync(s => s.GetRequiredService<RecoveryCodeService>().RedeemAsync(userId, codes[0])));
    }

    [Fact]
    public async Task the_otpauth_uri_names_the_issuer_and_the_account_and_carries_the_shown_key()
    {
        await idp.CreateUserWithoutSecondFactorAsync("ines", MfaJourney.Password, "ines@example.com");

        var enrolment = await idp.AdministerAsync(async s =>
        {
            var user = await s.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdP.Server.Accounts.IdpUser>>().FindByNameAsync("ines");
            return await s.GetRequiredService<TotpAuthenticatorService>().BeginEnrolmentAsync(user!);
        });

        Assert.StartsWith("otpauth://totp/IdP:ines%40example.com?", enrolment.OtpAuthUri, StringComparison.Ordinal);
        Assert.Contains("secret=" + enrolment.ManualKey, enrolment.OtpAuthUri, StringComparison.Ordinal);
        Assert.Contains("issuer=IdP", enrolment.OtpAuthUri, StringComparison.Ordinal);
        Assert.Contains("digits=6&period=30", enrolment.OtpAuthUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_password_alone_cannot_add_an_authenticator_to_a_passkey_only_account()
    {
        // Arrange: an account whose only factor is a passkey.
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserWithoutSecondFactorAsync("paula", MfaJourney.Password);
        await idp.AdministerAsync(async s =>
        {
            var users = s.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdP.Server.Accounts.IdpUser>>();
            var user = await users.FindByNameAsync("paula");
            return await users.AddOrUpdatePasskeyAsync(user!, new Microsoft.AspNetCore.Identity.UserPasskeyInfo(
                [7, 7, 7], [1], idp.Clock.GetUtcNow(), 0, ["internal"], true, false, false, [1], [1]) { Name = "Phone" });
        });
        using var step = await idp.AtSecondStepAsync("paula");
        Assert.Contains("/account/mfa?", step.Page.Url, StringComparison.Ordinal); // the second step, not enrolment

        // Act: someone who knows only the password tries to enrol their own authenticator.
        var outcome = await step.Browser.NavigateAsync("/account/mfa/enroll");

        // Assert
        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
        var pending = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().TotpAuthenticators
            .CountAsync(t => s.GetRequiredService<IdpDbContext>().Users.Any(u => u.Id == t.UserId && u.UserName == "paula")));
        Assert.Equal(0, pending);
    }
}
