using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace IdP.Tests.Mfa;

/// <summary>
/// The mainframe's "new PIN" moment, made explicit: a new or reset account's first second factor is set up only with
/// the activation code the help desk gave its owner. The password alone never attaches a factor of the holder's choosing.
/// </summary>
public sealed class ActivationCodeTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private const string Wrong = "AAAA-AAAA-AAAA-AAAA";

    private async Task<string> NewUserAsync(string name)
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserWithoutSecondFactorAsync(name, MfaJourney.Password);
        return name;
    }

    private static Task<Outcome> GiveCodeAsync(SecondStep step, Page page, string code)
        => step.Browser.SubmitAsync(page, 0, ("ActivationCode", code));

    private Task<List<string>> AuditOutcomesAsync(string user, string type)
        => idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .Where(e => e.UserName == user && e.Type == type).OrderBy(e => e.Id).Select(e => e.Outcome).ToListAsync());

    [Fact]
    public async Task the_password_alone_reaches_only_the_activation_page_and_no_enrolment_key()
    {
        var user = await NewUserAsync("abel");
        using var step = await idp.AtSecondStepAsync(user);

        // The enrolment page itself, and a confirmation posted to it, lead back to the activation code.
        var direct = (await step.Browser.NavigateAsync("/account/mfa/enroll")).RequirePage();
        var confirm = (await step.Browser.PostAsync("/account/mfa/enroll",
            ("__RequestVerificationToken", step.Page.Forms[0]["__RequestVerificationToken"]!), ("AuthenticatorId", "x"), ("Code", "123456"))).RequirePage();

        foreach (var page in new[] { step.Page, direct, confirm })
        {
            Assert.True(page.Contains("Enter your activation code"), page.Html);
            Assert.True(page.Contains("your help desk gave you"), page.Html);
            Assert.Equal(string.Empty, Journeys.ManualKey(page));
        }

        Assert.Equal(0, await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().TotpAuthenticators
            .CountAsync(t => s.GetRequiredService<IdpDbContext>().Users.Any(u => u.Id == t.UserId && u.UserName == user))));
    }

    [Fact]
    public async Task the_code_as_read_out_in_any_case_opens_enrolment_and_the_session_proves_two_factors()
    {
        var user = await NewUserAsync("bess");
        using var step = await idp.AtSecondStepAsync(user);

        var typed = idp.Authenticators.ActivationCode(user).Replace("-", " ", StringComparison.Ordinal).ToLowerInvariant();
        var enrolment = (await GiveCodeAsync(step, step.Page, typed)).RequirePage();
        idp.Authenticators.Register(user, TestAuthenticators.ParseManualKey(Journeys.ManualKey(enrolment)));
        var saved = (await step.Browser.SubmitAsync(enrolment, 0, ("Code", idp.Authenticators.NextCode(user)))).RequirePage();
        var tokens = await step.ExpectCodeAsync(await step.Browser.NavigateAsync(Journeys.ContinueLink(saved)));

        Assert.Equal(["pwd", "otp", "mfa"], new JsonWebToken(tokens.AccessToken).Amr());
        Assert.Equal(["success"], await AuditOutcomesAsync(user, "mfa.activation"));
        var stored = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == user));
        Assert.Null(stored.ActivationCodeDigest);
    }

    [Fact]
    public async Task a_code_is_used_once_even_when_the_enrolment_it_opened_was_abandoned()
    {
        var user = await NewUserAsync("cleo");
        using (var first = await idp.AtSecondStepAsync(user))
        {
            var opened = (await GiveCodeAsync(first, first.Page, idp.Authenticators.ActivationCode(user))).RequirePage();
            Assert.NotEqual(string.Empty, Journeys.ManualKey(opened));
        }

        using var second = await idp.AtSecondStepAsync(user);
        var refused = (await GiveCodeAsync(second, second.Page, idp.Authenticators.ActivationCode(user))).RequirePage();

        Assert.True(refused.Contains("not correct, or it has expired or been used"), refused.Html);
        Assert.Equal(string.Empty, Journeys.ManualKey(refused));
    }

    [Fact]
    public async Task a_code_expires_after_its_lifetime_and_users_activation_issues_a_new_one_that_replaces_it()
    {
        var user = await NewUserAsync("dora");
        var first = idp.Authenticators.ActivationCode(user);
        idp.Clock.Advance(TimeSpan.FromHours(72) + TimeSpan.FromMinutes(1));

        using (var step = await idp.AtSecondStepAsync(user))
        {
            var expired = (await GiveCodeAsync(step, step.Page, first)).RequirePage();
            Assert.True(expired.Contains("not correct, or it has expired or been used"), expired.Html);
        }

        var before = idp.Clock.GetUtcNow();
        var issued = await idp.AdministerAsync(s => s.GetRequiredService<SecondFactorAdministration>().IssueActivationAsync(user));
        Assert.InRange(issued.ActivationCodeExpiresAt, before + TimeSpan.FromHours(72), idp.Clock.GetUtcNow() + TimeSpan.FromHours(72));

        using var again = await idp.AtSecondStepAsync(user);
        var withOld = (await GiveCodeAsync(again, again.Page, first)).RequirePage();
        var withNew = (await GiveCodeAsync(again, withOld, issued.ActivationCode)).RequirePage();

        Assert.Equal(string.Empty, Journeys.ManualKey(withOld));
        Assert.NotEqual(string.Empty, Journeys.ManualKey(withNew));
    }

    [Fact]
    public async Task wrong_codes_count_against_the_second_factor_lockout_which_then_refuses_the_right_code()
    {
        var user = await NewUserAsync("edda");
        using var step = await idp.AtSecondStepAsync(user);

        var page = step.Page;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            page = (await GiveCodeAsync(step, page, Wrong)).RequirePage();
        }

        var withRightCode = (await GiveCodeAsync(step, page, idp.Authenticators.ActivationCode(user))).RequirePage();

        Assert.True(page.Contains("Too many wrong codes"), page.Html);
        Assert.True(withRightCode.Contains("Too many wrong codes"), withRightCode.Html);
        Assert.Equal(string.Empty, Journeys.ManualKey(withRightCode));
        Assert.Equal(Enumerable.Repeat("failure", 6), await AuditOutcomesAsync(user, "mfa.activation"));

        // After the lockout the same code still works, in a new sign-in: the attempts were refused, not the code used up.
        idp.Clock.Advance(TimeSpan.FromMinutes(16));
        using var later = await idp.AtSecondStepAsync(user);
        var opened = (await GiveCodeAsync(later, later.Page, idp.Authenticators.ActivationCode(user))).RequirePage();
        Assert.NotEqual(string.Empty, Journeys.ManualKey(opened));
    }

    [Fact]
    public async Task users_activation_is_refused_for_a_user_who_already_has_a_second_factor()
    {
        await idp.CreateUserAsync("fenna", MfaJourney.Password);

        var refusal = await Assert.ThrowsAsync<AdministrationException>(
            () => idp.AdministerAsync(s => s.GetRequiredService<SecondFactorAdministration>().IssueActivationAsync("fenna")));

        Assert.Contains("reset-mfa", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task without_required_activation_the_first_enrolment_is_a_password_level_sign_in_and_the_factor_is_asked_for_next()
    {
        using var relaxed = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Mfa:RequireActivation"] = "false" });
        await MfaJourney.SeedClientAsync(relaxed);
        await relaxed.CreateUserWithoutSecondFactorAsync("gus", MfaJourney.Password);
        using var step = await relaxed.AtSecondStepAsync("gus");

        // Straight to enrolment, with no code asked.
        var enrolment = step.Page;
        relaxed.Authenticators.Register("gus", TestAuthenticators.ParseManualKey(Journeys.ManualKey(enrolment)));
        var saved = (await step.Browser.SubmitAsync(enrolment, 0, ("Code", relaxed.Authenticators.NextCode("gus")))).RequirePage();
        var next = (await step.Browser.NavigateAsync(Journeys.ContinueLink(saved))).RequirePage();

        // The factor just set up with the password alone proves nothing yet: the application's MFA policy asks for it.
        Assert.Contains("/account/mfa?level=", next.Url, StringComparison.Ordinal);
        var tokens = await step.ExpectCodeAsync(await step.Browser.SubmitAsync(next, 0, ("Code", relaxed.Authenticators.NextCode("gus"))));
        Assert.Equal(["pwd", "otp", "mfa"], new JsonWebToken(tokens.AccessToken).Amr());
    }

    [Fact]
    public async Task a_new_code_from_the_help_desk_withdraws_one_accepted_earlier_in_an_enrolment_not_yet_finished()
    {
        var user = await NewUserAsync("ivo");
        using var step = await idp.AtSecondStepAsync(user);
        var opened = (await GiveCodeAsync(step, step.Page, idp.Authenticators.ActivationCode(user))).RequirePage();
        idp.Authenticators.Register(user, TestAuthenticators.ParseManualKey(Journeys.ManualKey(opened)));

        // The owner reports the code as seen by someone else; the help desk issues a new one.
        await idp.AdministerAsync(s => s.GetRequiredService<SecondFactorAdministration>().IssueActivationAsync(user));
        var confirmed = (await step.Browser.SubmitAsync(opened, 0, ("Code", idp.Authenticators.NextCode(user)))).RequirePage();

        Assert.True(confirmed.Contains("Enter your activation code"), confirmed.Html);
        Assert.Equal(0, await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().TotpAuthenticators
            .CountAsync(t => t.ConfirmedAt != null && s.GetRequiredService<IdpDbContext>().Users.Any(u => u.Id == t.UserId && u.UserName == user))));
    }

    [Fact]
    public async Task an_exempt_users_password_session_adds_a_factor_only_with_an_activation_code()
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserWithoutSecondFactorAsync("hugo", MfaJourney.Password);
        await idp.AdministerAsync(s => s.GetRequiredService<SecondFactorAdministration>().SetExemptAsync("hugo", true, "travelling"));
        using var browser = idp.CreateBrowser();
        var login = await browser.NavigateAsync("/account/login?ReturnUrl=%2Faccount");
        var account = (await browser.SubmitPasswordAsync(login.RequirePage(), "hugo", MfaJourney.Password)).RequirePage();

        // Someone with only the exempt user's password cannot plant a passkey...
        var antiforgery = account.Forms.Select(f => f["__RequestVerificationToken"]).First(t => t is not null)!;
        using var passkeyOptions = new HttpRequestMessage(HttpMethod.Post, "/account/passkeys/creation-options")
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        passkeyOptions.Headers.Add("RequestVerificationToken", antiforgery);
        using var refusedPasskey = await browser.Http.SendAsync(passkeyOptions);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refusedPasskey.StatusCode);
        Assert.Contains("activation code", await refusedPasskey.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // ...nor an authenticator: the page asks for the activation code first.
        var enrol = (await browser.NavigateAsync("/account/mfa/enroll")).RequirePage();
        Assert.True(enrol.Contains("Enter your activation code"), enrol.Html);
        Assert.Equal(string.Empty, Journeys.ManualKey(enrol));

        // With the code, the owner sets one up, and that sign-in then proves two factors.
        var opened = (await browser.SubmitAsync(enrol, 0, ("ActivationCode", idp.Authenticators.ActivationCode("hugo")))).RequirePage();
        idp.Authenticators.Register("hugo", TestAuthenticators.ParseManualKey(Journeys.ManualKey(opened)));
        (await browser.SubmitAsync(opened, 0, ("Code", idp.Authenticators.NextCode("hugo")))).RequirePage();
        var client = new OidcClient(idp.CreateClient(), MfaJourney.ClientId);
        var pkce = Pkce.Create();
        var callback = await browser.NavigateAsync(client.AuthorizeUrl(pkce, "openid"));
        var tokens = (await client.RedeemCodeAsync(callback.RedirectParameters()["code"], pkce.Verifier)).EnsureSuccess();
        Assert.Equal(["pwd", "otp", "mfa"], new JsonWebToken(tokens.AccessToken).Amr());
    }
}
