using IdP.Server.Accounts;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Mfa;

/// <summary>The self-service account page: factors, recovery codes, recent sign-ins, and its safety rules.</summary>
public sealed class AccountPageTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private async Task<BrowserClient> SignedInAsync(string name)
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserAsync(name, MfaJourney.Password);
        var browser = idp.CreateBrowser();
        await browser.SignInForCodeAsync(new OidcClient(idp.CreateClient(), MfaJourney.ClientId), Pkce.Create(), name, MfaJourney.Password);
        return browser;
    }

    private Task<int> AuthenticatorCountAsync(string name)
        => idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().TotpAuthenticators
            .CountAsync(t => t.ConfirmedAt != null && s.GetRequiredService<IdpDbContext>().Users.Any(u => u.Id == t.UserId && u.UserName == name)));

    private static int FormIndex(Page page, string handler)
        => page.Forms.Select((form, index) => (form, index)).First(f => f.form.Action.Contains("handler=" + handler, StringComparison.Ordinal)).index;

    [Fact]
    public async Task the_account_page_shows_factors_recovery_codes_and_recent_sign_ins()
    {
        using var browser = await SignedInAsync("olga");

        var page = (await browser.NavigateAsync("/account")).RequirePage();

        Assert.True(page.Contains("Test authenticator, added"), page.Html);
        Assert.True(page.Contains("Recent sign-in activity"));
        Assert.True(page.Contains("password"));
        Assert.True(page.Contains("totp"));
        Assert.True(page.Contains(MfaJourney.ClientId));
    }

    [Fact]
    public async Task the_only_second_factor_cannot_be_removed()
    {
        using var browser = await SignedInAsync("pete");
        var page = (await browser.NavigateAsync("/account")).RequirePage();

        var outcome = await browser.SubmitAsync(page, FormIndex(page, "RemoveAuthenticator"));

        Assert.True(outcome.RequirePage().Contains("You cannot remove your only second factor"));
        Assert.Equal(1, await AuthenticatorCountAsync("pete"));
    }

    [Fact]
    public async Task a_second_authenticator_can_be_added_and_then_one_removed()
    {
        using var browser = await SignedInAsync("quin");

        // Add a second authenticator from the account page (a full session may enrol).
        var enrolment = (await browser.NavigateAsync("/account/mfa/enroll?returnUrl=%2Faccount")).RequirePage();
        var secondSeed = TestAuthenticators.ParseManualKey(Journeys.ManualKey(enrolment));
        var code = IdP.Server.Mfa.TotpVerifier.Compute(secondSeed, IdP.Server.Mfa.TotpVerifier.StepAt(idp.Clock.GetUtcNow(), 30), 6, 30, "SHA1");
        await browser.SubmitAsync(enrolment, 0, ("Code", code));
        Assert.Equal(2, await AuthenticatorCountAsync("quin"));

        var page = (await browser.NavigateAsync("/account")).RequirePage();
        var outcome = await browser.SubmitAsync(page, FormIndex(page, "RemoveAuthenticator"));

        Assert.True(outcome.RequirePage().Contains("The authenticator was removed."));
        Assert.Equal(1, await AuthenticatorCountAsync("quin"));

        // The audit trail names quin as the one who removed it: a change made from her own signed-in session.
        var removal = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .SingleAsync(e => e.UserName == "quin" && e.Type == "mfa.remove"));
        Assert.Equal("user:quin", removal.Actor);
    }

    [Fact]
    public async Task a_sensitive_change_after_a_while_asks_to_sign_in_again_first()
    {
        using var browser = await SignedInAsync("rosa");
        var page = (await browser.NavigateAsync("/account")).RequirePage();
        idp.Clock.Advance(TimeSpan.FromMinutes(10));

        var outcome = await browser.SubmitAsync(page, FormIndex(page, "RegenerateRecoveryCodes"));

        var login = outcome.RequirePage();
        Assert.Contains("/account/login", login.Url, StringComparison.Ordinal);
        Assert.True(login.Contains("For your security, sign in again"));

        // After signing in again (both factors), the change goes through.
        outcome = await browser.LoginAsync(login, "rosa", MfaJourney.Password);
        page = outcome.RequirePage();
        Assert.EndsWith("/account", page.Url, StringComparison.Ordinal);
        var regenerated = (await browser.SubmitAsync(page, FormIndex(page, "RegenerateRecoveryCodes"))).RequirePage();
        Assert.Equal(10, Journeys.RecoveryCodesOn(regenerated).Count);
    }

    [Fact]
    public async Task passkeys_can_be_renamed_and_removed_when_another_factor_remains()
    {
        using var browser = await SignedInAsync("sami");
        await idp.AdministerAsync(async s =>
        {
            var users = s.GetRequiredService<UserManager<IdpUser>>();
            var user = await users.FindByNameAsync("sami");
            var passkey = new UserPasskeyInfo([1, 2, 3, 4], [5, 6, 7], idp.Clock.GetUtcNow(), 0, ["internal"], true, false, false, [9], [10]) { Name = "Laptop" };
            return await users.AddOrUpdatePasskeyAsync(user!, passkey);
        });

        var page = (await browser.NavigateAsync("/account")).RequirePage();
        var renamed = (await browser.SubmitAsync(page, FormIndex(page, "RenamePasskey"), ("name", "Work laptop"))).RequirePage();
        Assert.True(renamed.Contains("The passkey is now called \u201cWork laptop\u201d."), renamed.Html);

        var removed = (await browser.SubmitAsync(renamed, FormIndex(renamed, "RemovePasskey"))).RequirePage();
        Assert.True(removed.Contains("The passkey was removed."));
        var remaining = await idp.AdministerAsync(async s =>
        {
            var users = s.GetRequiredService<UserManager<IdpUser>>();
            return (await users.GetPasskeysAsync((await users.FindByNameAsync("sami"))!)).Count;
        });
        Assert.Equal(0, remaining);
    }
}
