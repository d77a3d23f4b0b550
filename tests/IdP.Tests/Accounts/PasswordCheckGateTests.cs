using IdP.Server.Accounts;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Accounts;

/// <summary>
/// Password checks run at most <c>Accounts:ConcurrentPasswordChecks</c> at a time; the others wait their turn and
/// still sign in. Observed through a hasher that records how many checks overlap, on the real login page.
/// </summary>
public sealed class PasswordCheckGateTests
{
    private const int Logins = 5;

    [Fact]
    public async Task with_one_slot_parallel_logins_check_their_passwords_one_at_a_time_and_all_get_through()
    {
        using var idp = new ObservedIdpFactory(slots: 1);
        var outcomes = await LogInInParallelAsync(idp);

        Assert.Equal(1, idp.Hasher.MostAtOnce);
        Assert.All(outcomes, url => Assert.Contains("/account/mfa", url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task with_several_slots_checks_overlap_so_the_observation_above_can_fail()
    {
        using var idp = new ObservedIdpFactory(slots: Logins);
        await LogInInParallelAsync(idp);

        Assert.True(idp.Hasher.MostAtOnce > 1, $"At most {idp.Hasher.MostAtOnce} check(s) ran at once.");
    }

    /// <summary>Each user's password step, all at once; the page each browser was shown next.</summary>
    private static async Task<string[]> LogInInParallelAsync(ObservedIdpFactory idp)
    {
        for (var i = 0; i < Logins; i++)
        {
            await idp.CreateUserAsync($"user{i}", "Correct-Horse-9");
        }

        var loginPages = new List<(BrowserClient Browser, Page Page)>();
        for (var i = 0; i < Logins; i++)
        {
            var browser = idp.CreateBrowser();
            loginPages.Add((browser, (await browser.NavigateAsync("/account/login")).RequirePage()));
        }

        idp.Hasher.Reset();
        var outcomes = await Task.WhenAll(loginPages.Select((login, i) => login.Browser.SubmitPasswordAsync(login.Page, $"user{i}", "Correct-Horse-9")));
        foreach (var (browser, _) in loginPages)
        {
            browser.Dispose();
        }

        return [.. outcomes.Select(outcome => outcome.RequirePage().Url)];
    }

    private sealed class ObservedIdpFactory(int slots) : IdpFactory(NewDataDirectory(), new Dictionary<string, string?>
    {
        ["Accounts:ConcurrentPasswordChecks"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
    })
    {
        // With one slot nothing can join a check, so each waits briefly; with several, up to seconds for the next.
        public OverlapRecordingHasher Hasher { get; } = new(TimeSpan.FromMilliseconds(slots == 1 ? 100 : 10_000));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddSingleton<IPasswordHasher<IdpUser>>(Hasher));
        }
    }

    /// <summary>Identity's hasher, counting the checks in progress; each check also lasts long enough to overlap.</summary>
    private sealed class OverlapRecordingHasher(TimeSpan waitForCompany) : IPasswordHasher<IdpUser>
    {
        private readonly PasswordHasher<IdpUser> _inner = new();
        private int _now;
        private int _most;

        public int MostAtOnce => Volatile.Read(ref _most);

        public void Reset() => Volatile.Write(ref _most, 0);

        public string HashPassword(IdpUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(IdpUser user, string hashedPassword, string providedPassword)
        {
            var now = Interlocked.Increment(ref _now);
            InterlockedMax(ref _most, now);
            try
            {
                // Until two checks have overlapped (since the last Reset), or the limit. With one slot they never
                // can, so each check waits its short limit. Waiting for company rather than a fixed time keeps the
                // overlap test true on a busy machine whose thread pool is slow to give the next check a thread.
                SpinWait.SpinUntil(() => Volatile.Read(ref _most) > 1, waitForCompany);
                return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
            }
            finally
            {
                Interlocked.Decrement(ref _now);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }
}
