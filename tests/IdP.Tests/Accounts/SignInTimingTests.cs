using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using IdP.Tests.Mfa;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Accounts;

/// <summary>
/// The two sign-in durations an operator sets besides the session itself: how long the second step waits after the
/// password (<c>Accounts:SecondFactorTimeout</c>) and how soon a changed account ends its sessions
/// (<c>Accounts:SessionCheckInterval</c>). Each is set away from its default, so the default would fail the test.
/// </summary>
public sealed class SignInTimingTests
{
    [Fact]
    public async Task the_second_step_accepts_a_code_within_the_configured_timeout_and_asks_for_the_password_after_it()
    {
        using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Accounts:SecondFactorTimeout"] = "00:03:00" });
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserAsync("ada", MfaJourney.Password);
        await idp.CreateUserAsync("bob", MfaJourney.Password);

        // Two minutes after the password: still in time.
        using var inTime = await idp.AtSecondStepAsync("ada");
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        await inTime.ExpectCodeAsync(await inTime.EnterCodeAsync(idp.Authenticators.NextCode("ada")));

        // Four minutes after it (within the 10-minute default): even the right code leads back to the password.
        using var late = await idp.AtSecondStepAsync("bob");
        idp.Clock.Advance(TimeSpan.FromMinutes(4));
        var outcome = await late.EnterCodeAsync(idp.Authenticators.NextCode("bob"));
        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_new_password_ends_the_session_at_the_configured_check_interval()
    {
        using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Accounts:SessionCheckInterval"] = "00:10:00" });
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserAsync("cleo", MfaJourney.Password);
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), MfaJourney.ClientId);
        await browser.SignInForCodeAsync(client, Pkce.Create(), "cleo", MfaJourney.Password);

        await idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<UserAdministration>().SetPasswordAsync("cleo", "Another-Horse-7");
            return true;
        });

        // Five minutes on (past the one-minute default), the session has not been re-checked yet: single sign-on.
        idp.Clock.Advance(TimeSpan.FromMinutes(5));
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create()));
        Assert.True(outcome.RedirectParameters().ContainsKey("code"), "Expected a code from the unchecked session.");

        // Past the interval the check finds the new password's security stamp and ends the session.
        idp.Clock.Advance(TimeSpan.FromMinutes(6));
        outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create()));
        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
    }
}
