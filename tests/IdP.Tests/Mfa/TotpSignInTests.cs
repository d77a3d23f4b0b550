using IdP.Server.Data;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Mfa;

/// <summary>
/// TOTP as the second factor, and the mainframe-MFA weaknesses it must not inherit: reusable codes, silent
/// "next token" states, and lockouts that leave the user guessing.
/// </summary>
public sealed class TotpSignInTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private async Task<string> UserAsync(string name)
    {
        await MfaJourney.SeedClientAsync(idp);
        await idp.CreateUserAsync(name, MfaJourney.Password);
        return name;
    }

    [Fact]
    public async Task a_correct_code_signs_in_and_both_tokens_prove_two_factors()
    {
        var user = await UserAsync("tina");
        using var step = await idp.AtSecondStepAsync(user);
        var before = idp.Clock.GetUtcNow().ToUnixTimeSeconds();

        var tokens = await step.ExpectCodeAsync(await step.EnterCodeAsync(idp.Authenticators.NextCode(user)));

        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        foreach (var token in new[]
                 {
                     await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt"),
                     await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT"),
                 })
        {
            Assert.Equal(["pwd", "otp", "mfa"], token.Amr());
            Assert.Equal(AuthenticationLevels.MultiFactor, token.GetClaim("acr").Value);
            Assert.InRange(long.Parse(token.GetClaim("auth_time").Value, System.Globalization.CultureInfo.InvariantCulture), before, before + 5);
        }
    }

    [Fact]
    public async Task weakness_code_reuse_a_code_accepted_once_is_never_accepted_again()
    {
        var user = await UserAsync("uma");
        var code = idp.Authenticators.NextCode(user);
        using (var first = await idp.AtSecondStepAsync(user))
        {
            await first.ExpectCodeAsync(await first.EnterCodeAsync(code));
        }

        // Someone who saw the code (shoulder, API console, log) replays it with the password: refused.
        using var replay = await idp.AtSecondStepAsync(user);
        var outcome = await replay.EnterCodeAsync(code);

        var page = outcome.RequirePage();
        Assert.True(page.Contains("That code has already been used."), page.Html);
        Assert.Null(outcome.RedirectedTo);
    }

    [Fact]
    public async Task weakness_code_reuse_the_same_code_in_two_parallel_requests_is_accepted_exactly_once()
    {
        var user = await UserAsync("vera");
        var code = idp.Authenticators.NextCode(user);
        using var first = await idp.AtSecondStepAsync(user);
        using var second = await idp.AtSecondStepAsync(user);

        var outcomes = await Task.WhenAll(first.EnterCodeAsync(code), second.EnterCodeAsync(code));

        Assert.Equal(1, outcomes.Count(o => o.RedirectedTo is not null));
        Assert.Single(outcomes, o => o.Page?.Contains("That code has already been used.") == true);
    }

    [Fact]
    public async Task weakness_code_reuse_two_instances_sharing_one_database_accept_a_code_once()
    {
        // Arrange: two IdP instances on one database, and a user whose authenticator both know.
        var user = await UserAsync("wendy");
        using var other = IdpFactory.On(idp.DataDirectory, keepData: true);
        other.Authenticators.Register(user, idp.Authenticators.Seed(user));
        var code = idp.Authenticators.CodeAt(user, 0);
        using var onA = await idp.AtSecondStepAsync(user);
        using var onB = await other.AtSecondStepAsync(user);

        // Act: the same code reaches both instances at once.
        var outcomes = await Task.WhenAll(onA.EnterCodeAsync(code), onB.EnterCodeAsync(code));

        // Assert: the database's conditional write lets exactly one win.
        Assert.Equal(1, outcomes.Count(o => o.RedirectedTo is not null));
    }

    [Fact]
    public async Task a_code_from_the_previous_step_is_accepted_once_then_refused()
    {
        var user = await UserAsync("xena");
        using var first = await idp.AtSecondStepAsync(user);

        // The code is computed just before it is entered, with time left in the step: "step -1" must not become -2.
        idp.Authenticators.EnsureTimeLeftInStep(TimeSpan.FromSeconds(10));
        var previous = idp.Authenticators.CodeAt(user, -1);
        await first.ExpectCodeAsync(await first.EnterCodeAsync(previous));

        using var again = await idp.AtSecondStepAsync(user);
        Assert.True((await again.EnterCodeAsync(previous)).RequirePage().Contains("That code has already been used."));
    }

    [Fact]
    public async Task weakness_next_token_a_drifted_code_asks_for_the_next_code_and_two_consecutive_codes_resynchronise()
    {
        // Arrange: the user's token runs five steps (2.5 minutes) fast.
        var user = await UserAsync("yara");
        using var step = await idp.AtSecondStepAsync(user);
        idp.Authenticators.EnsureTimeLeftInStep(TimeSpan.FromSeconds(15)); // both codes from one step of the server's clock

        // Act 1: a code valid only in the wide window is not accepted; the page says exactly what to do.
        var outcome = await step.EnterCodeAsync(idp.Authenticators.CodeAt(user, 5));
        var nextCodePage = outcome.RequirePage();
        Assert.True(nextCodePage.Contains("Enter the next code"), nextCodePage.Html);
        Assert.True(nextCodePage.Contains("Wait for your app to show a"));
        Assert.Null(outcome.RedirectedTo);

        // Act 2: the token's next code resynchronises and signs the user in.
        var resynchronised = await step.Browser.SubmitAsync(nextCodePage, 0, ("Code", idp.Authenticators.CodeAt(user, 6)));
        await step.ExpectCodeAsync(resynchronised);

        // Assert: the drift is remembered, so a later code from the same fast token is accepted directly.
        idp.Clock.Advance(TimeSpan.FromMinutes(1));
        using var later = await idp.AtSecondStepAsync(user);
        await later.ExpectCodeAsync(await later.EnterCodeAsync(idp.Authenticators.CodeAt(user, 5)));
    }

    [Fact]
    public async Task a_drifted_code_followed_by_a_code_that_is_not_the_next_one_does_not_sign_in()
    {
        var user = await UserAsync("zoe");
        using var step = await idp.AtSecondStepAsync(user);

        var first = await step.EnterCodeAsync(idp.Authenticators.CodeAt(user, 5));
        var second = await step.Browser.SubmitAsync(first.RequirePage(), 0, ("Code", idp.Authenticators.CodeAt(user, 8)));

        Assert.Null(second.RedirectedTo);
        Assert.True(second.RequirePage().Contains("Enter the next code"));
    }

    [Fact]
    public async Task weakness_locked_factor_five_wrong_codes_lock_codes_show_when_and_what_instead_and_it_unlocks_later()
    {
        var user = await UserAsync("abel");
        using var step = await idp.AtSecondStepAsync(user);
        var page = step.Page;
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            page = (await step.Browser.SubmitAsync(page, 0, ("Code", "000000"))).RequirePage();
            Assert.True(page.Contains("That code is not correct."));
        }

        // The fifth failure locks codes; the page says until when and offers the recovery code instead.
        page = (await step.Browser.SubmitAsync(page, 0, ("Code", "000000"))).RequirePage();
        Assert.True(page.Contains("Codes are locked until"), page.Html);
        Assert.True(page.Contains("Use a recovery code"));

        // While locked, even the right code is refused, and the password was not locked by any of this.
        using var whileLocked = await idp.AtSecondStepAsync(user);
        Assert.True(whileLocked.Page.Contains("Codes are locked until"));
        var account = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == user));
        Assert.Equal(0, account.AccessFailedCount);
        Assert.Null(account.LockoutEnd);

        // After the lockout period, a correct code signs in.
        idp.Clock.Advance(TimeSpan.FromMinutes(16));
        using var afterwards = await idp.AtSecondStepAsync(user);
        await afterwards.ExpectCodeAsync(await afterwards.EnterCodeAsync(idp.Authenticators.NextCode(user)));
    }

    [Fact]
    public async Task a_burst_of_parallel_wrong_codes_gets_no_more_checks_than_the_lockout_allows()
    {
        var user = await UserAsync("dora");
        using var step = await idp.AtSecondStepAsync(user);

        // Twelve guesses at once (as HTTP/2 would send them), each a different wrong code.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(i => step.Browser.SubmitAsync(step.Page, 0, ("Code", (100000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture)))));

        // At most five (the threshold) were checked; every other one was refused as locked, unchecked.
        var checkedGuesses = outcomes.Count(o => o.Page?.Contains("That code is not correct.") == true);
        Assert.InRange(checkedGuesses, 0, 5);
        Assert.Equal(12, checkedGuesses + outcomes.Count(o => o.Page?.Contains("Codes are locked until") == true));
        var account = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == user));
        Assert.NotNull(account.SecondFactorLockoutEnd);
    }

    [Fact]
    public async Task password_guessing_locks_the_password_but_not_the_second_factor()
    {
        var user = await UserAsync("beth");
        using var browser = idp.CreateBrowser();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var login = (await browser.NavigateAsync("/account/login")).RequirePage();
            await browser.SubmitPasswordAsync(login, user, "wrong-password");
        }

        var account = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().Users.AsNoTracking().SingleAsync(u => u.UserName == user));
        Assert.NotNull(account.LockoutEnd);
        Assert.Null(account.SecondFactorLockoutEnd);
        Assert.Equal(0, account.SecondFactorFailures);
    }

    [Fact]
    public async Task a_locked_account_answers_as_an_unknown_user_does_and_the_lockout_is_still_audited()
    {
        var user = await UserAsync("lola");
        using var browser = idp.CreateBrowser();
        async Task<Page> SignInAsync(string name, string password)
            => (await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), name, password)).RequirePage();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await SignInAsync(user, "wrong-password");
        }

        // The right password while locked, and a user name nobody has: the same page, word for word.
        var locked = await SignInAsync(user, MfaJourney.Password);
        var unknown = await SignInAsync("nobody-has-this-name", MfaJourney.Password);

        static string Alert(Page page) => System.Text.RegularExpressions.Regex.Match(page.Html, "role=\"alert\"[^>]*>([^<]*)<").Groups[1].Value;
        Assert.StartsWith("The user name or password is incorrect. After 5 failed attempts, sign-in pauses for 15 minutes", System.Net.WebUtility.HtmlDecode(Alert(locked)), StringComparison.Ordinal);
        Assert.Equal(Alert(unknown), Alert(locked));
        var events = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .Where(e => e.UserName == user).OrderBy(e => e.Id).Select(e => e.Type + ":" + e.Reason).ToListAsync());
        Assert.Contains("signin.lockout:password sign-in locked until", string.Join("|", events), StringComparison.Ordinal);
        Assert.Equal("signin.password:locked out", events[^1]);
    }

    [Fact]
    public async Task every_attempt_is_audited_with_factor_client_user_agent_and_reason()
    {
        var user = await UserAsync("cora");
        using var step = await idp.AtSecondStepAsync(user);
        step.Browser.Http.DefaultRequestHeaders.UserAgent.ParseAdd("AuditProbe/1.0");
        var wrong = (await step.EnterCodeAsync("000000")).RequirePage();
        await step.Browser.SubmitAsync(wrong, 0, ("Code", idp.Authenticators.NextCode(user)));

        var events = await idp.AdministerAsync(s => s.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .Where(e => e.UserName == user && e.Type.StartsWith("signin.")).OrderBy(e => e.Id).ToListAsync());

        Assert.Equal(["signin.password:success", "signin.totp:failure", "signin.totp:success"], events.Select(e => $"{e.Type}:{e.Outcome}"));
        // Nobody is signed in yet while signing in: no actor, only where the attempt came from.
        Assert.All(events, e => Assert.Null(e.Actor));
        var failure = events[1];
        Assert.Equal("totp", failure.Factor);
        Assert.Equal("wrong code", failure.Reason);
        Assert.Equal(MfaJourney.ClientId, failure.ClientId);
        Assert.Equal("AuditProbe/1.0", failure.UserAgent);
        // Note: the test server has no TCP connection, so the IP address is covered by the Kestrel browser tests.
    }
}
