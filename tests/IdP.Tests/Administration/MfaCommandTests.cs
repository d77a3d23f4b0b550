using System.Security.Cryptography;
using System.Text.Json;
using IdP.Server.Accounts;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using OtpNet;

namespace IdP.Tests.Administration;

/// <summary>
/// <c>users totp-import|reset-mfa|mfa-exempt|mfa-require|audit</c>: what the command line does to second factors is
/// what the real sign-in pages then ask for, and every change is in the audit trail.
/// </summary>
public sealed class MfaCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    private const string Password = "Correct-Horse-9";

    [Fact]
    public async Task users_totp_import_reads_a_token_sheet_seed_from_stdin_and_the_user_signs_in_with_its_codes()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "henry")).EnsureSuccess();
        var seed = RandomNumberGenerator.GetBytes(20);

        // As printed on a token's data sheet: groups of four, and typed in lower case.
        var typed = string.Join(' ', Base32Encoding.ToString(seed).ToLowerInvariant().Chunk(4).Select(c => new string(c)));
        var imported = await cli.RunWithInputAsync(typed + "\n", "users", "totp-import", "henry", "--secret-stdin", "--label", "Token 0042");

        imported.EnsureSuccess();
        Assert.Contains("Imported TOTP token 'Token 0042' for 'henry'", imported.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(typed, imported.Stdout + imported.Stderr, StringComparison.OrdinalIgnoreCase);

        // The token is the user's only factor: IdP asks for its code (not enrolment), and a code from that seed works.
        cli.Server.Authenticators.Register("henry", seed);
        var (step, subject) = await SignInProbe.SignInNotingSecondStepAsync(cli, "henry", Password);
        var shown = (await cli.RunAsync("users", "show", "henry", "--json")).EnsureSuccess().Json;
        Assert.Equal(SecondStep.Code, step);
        Assert.Equal(shown.GetProperty("id").GetString(), subject);
        Assert.Equal(1, shown.GetProperty("totpAuthenticators").GetInt32());

        var audit = (await cli.RunAsync("users", "audit", "henry", "--json")).EnsureSuccess().Json;
        var import = Assert.Single(audit.EnumerateArray(), e => e.GetProperty("type").GetString() == "admin.totp-import");
        Assert.Equal("success", import.GetProperty("outcome").GetString());
        Assert.Equal("totp", import.GetProperty("factor").GetString());
    }

    [Theory]
    [InlineData("JBSWY3DP-EHPK3PXP-JBSWY3DP", "not valid base32")] // a hyphen
    [InlineData("JBSWY3DPEHPK3PX1", "not valid base32")] // 1 is not a base32 digit
    [InlineData("JBSWY3DPEHPK3PXPJ", "not valid base32")] // 17 characters: no whole number of bytes
    [InlineData("MFRGGZDFMZTWQ2LKNN", "not valid base32")] // the last character sets bits beyond the 88-bit seed
    [InlineData("MFRGGZDFMZTWQ2I=", "72 bits")] // valid base32, but shorter than 80 bits
    [InlineData("", "empty")]
    public async Task users_totp_import_of_a_seed_that_is_not_valid_base32_or_too_short_exits_2_and_imports_nothing(string seed, string expected)
    {
        if ((await cli.RunAsync("users", "show", "ida")).ExitCode != 0)
        {
            (await cli.RunWithInputAsync(Password, "users", "add", "ida")).EnsureSuccess();
        }

        var result = await cli.RunWithInputAsync(seed + "\n", "users", "totp-import", "ida", "--secret-stdin");

        var error = result.AssertRefused();
        Assert.Contains(expected, error, StringComparison.Ordinal);
        if (seed.Length > 0)
        {
            Assert.DoesNotContain(seed, error, StringComparison.Ordinal);
        }

        Assert.Equal(0, (await cli.RunAsync("users", "show", "ida", "--json")).EnsureSuccess().Json.GetProperty("totpAuthenticators").GetInt32());
    }

    [Fact]
    public async Task users_totp_import_refuses_a_seed_longer_than_512_bits_and_one_on_the_command_line()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "jack")).EnsureSuccess();
        var tooLong = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(65));
        var longest = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(64));

        var refusedLong = await cli.RunWithInputAsync(tooLong, "users", "totp-import", "jack", "--secret-stdin");
        var withoutStdinFlag = await cli.RunWithInputAsync(longest, "users", "totp-import", "jack");
        var asArgument = await cli.RunWithInputAsync("", "users", "totp-import", "jack", longest);

        Assert.Contains("520 bits", refusedLong.AssertRefused(), StringComparison.Ordinal);
        Assert.Contains("--secret-stdin", withoutStdinFlag.AssertRefused(), StringComparison.Ordinal);
        asArgument.AssertRefused();
        Assert.Equal(0, (await cli.RunAsync("users", "show", "jack", "--json")).Json.GetProperty("totpAuthenticators").GetInt32());

        // The longest allowed seed is accepted.
        (await cli.RunWithInputAsync(longest, "users", "totp-import", "jack", "--secret-stdin")).EnsureSuccess();
        Assert.Equal(1, (await cli.RunAsync("users", "show", "jack", "--json")).Json.GetProperty("totpAuthenticators").GetInt32());
    }

    [Fact]
    public async Task users_reset_mfa_removes_every_factor_and_clears_the_lockout_so_the_next_sign_in_enrols()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "kim")).EnsureSuccess();
        var seed = RandomNumberGenerator.GetBytes(20);
        (await cli.RunWithInputAsync(Base32Encoding.ToString(seed), "users", "totp-import", "kim", "--secret-stdin")).EnsureSuccess();
        await GiveRecoveryCodesPasskeyAndLockoutAsync("kim");

        var before = (await cli.RunAsync("users", "show", "kim", "--json")).EnsureSuccess().Json;
        Assert.Equal(1, before.GetProperty("totpAuthenticators").GetInt32());
        Assert.Equal(1, before.GetProperty("passkeys").GetInt32());
        Assert.Equal(10, before.GetProperty("recoveryCodes").GetInt32());
        Assert.Equal(JsonValueKind.String, before.GetProperty("secondFactorLockedUntil").ValueKind);
        Assert.Contains("second factor:", (await cli.RunAsync("users", "show", "kim")).Stdout, StringComparison.Ordinal);

        // Act
        var reset = cli.HandOverActivationCode("kim", await cli.RunAsync("users", "reset-mfa", "kim"));

        // Assert: it says what it removed, the factors are gone, and IdP asks for enrolment at the next sign-in.
        reset.EnsureSuccess();
        Assert.Contains("removed 1 TOTP authenticator(s), 10 unused recovery code(s) and 1 passkey(s); cleared the second-factor lockout", reset.Stdout, StringComparison.Ordinal);

        var after = (await cli.RunAsync("users", "show", "kim", "--json")).EnsureSuccess().Json;
        Assert.Equal(0, after.GetProperty("totpAuthenticators").GetInt32());
        Assert.Equal(0, after.GetProperty("passkeys").GetInt32());
        Assert.Equal(0, after.GetProperty("recoveryCodes").GetInt32());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("secondFactorLockedUntil").ValueKind);

        var (step, _) = await SignInProbe.SignInNotingSecondStepAsync(cli, "kim", Password);
        Assert.Equal(SecondStep.Enrolment, step);

        var audit = (await cli.RunAsync("users", "audit", "kim", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();
        var resetEvent = Assert.Single(audit, e => e.GetProperty("type").GetString() == "admin.reset-mfa");
        Assert.Contains("1 passkey(s)", resetEvent.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task users_reset_mfa_with_json_reports_the_counts_and_an_unknown_user_exits_2()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "lena")).EnsureSuccess();
        (await cli.RunWithInputAsync(Base32Encoding.ToString(RandomNumberGenerator.GetBytes(20)), "users", "totp-import", "lena", "--secret-stdin")).EnsureSuccess();

        var reset = (await cli.RunAsync("users", "reset-mfa", "lena", "--json")).EnsureSuccess().Json;

        Assert.Equal(1, reset.GetProperty("removedTotpAuthenticators").GetInt32());
        Assert.Equal(0, reset.GetProperty("removedPasskeys").GetInt32());
        Assert.False(reset.GetProperty("clearedLockout").GetBoolean());
        Assert.Contains("No user named 'nobody'", (await cli.RunAsync("users", "reset-mfa", "nobody")).AssertRefused(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task users_audit_lists_a_failed_password_and_a_successful_sign_in_newest_first_and_survives_deletion()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "judy")).EnsureSuccess();
        var seed = RandomNumberGenerator.GetBytes(20);
        (await cli.RunWithInputAsync(Base32Encoding.ToString(seed), "users", "totp-import", "judy", "--secret-stdin")).EnsureSuccess();
        cli.Server.Authenticators.Register("judy", seed);

        Assert.Equal("incorrect", (await SignInProbe.SignInAsync(cli, "judy", "Wrong-Horse-1")).Refusal);
        Assert.Null((await SignInProbe.SignInAsync(cli, "judy", Password)).Refusal);

        // Act
        var events = (await cli.RunAsync("users", "audit", "judy", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();

        // Assert: newest first, with type, actor, factor, outcome, reason and client.
        Assert.Equal(["signin.totp", "signin.password", "signin.password", "admin.totp-import", "admin.user-add"], events.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(["success", "success", "failure", "success", "success"], events.Select(e => e.GetProperty("outcome").GetString()));
        Assert.Equal(["totp", "password", "password", "totp", null], events.Select(e => e.GetProperty("factor").GetString()));
        Assert.Equal([null, null, null, AdminCli.Actor, AdminCli.Actor], events.Select(e => e.GetProperty("actor").GetString()));
        Assert.Equal("wrong password", events[2].GetProperty("reason").GetString());
        Assert.Equal("probe-web", events[1].GetProperty("clientId").GetString());
        var times = events.Select(e => e.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.True(times[1] >= times[2], "The successful password must be recorded after the failed one.");

        var limited = (await cli.RunAsync("users", "audit", "judy", "--limit", "2", "--json")).EnsureSuccess().Json;
        Assert.Equal(["signin.totp", "signin.password"], limited.EnumerateArray().Select(e => e.GetProperty("type").GetString()));

        var table = (await cli.RunAsync("users", "audit", "judy")).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("TIME", table[0], StringComparison.Ordinal);
        Assert.Contains("signin.password", table[3], StringComparison.Ordinal);
        Assert.Contains("wrong password", table[3], StringComparison.Ordinal);

        // A deleted user's events remain, found by the user id.
        var id = (await cli.RunAsync("users", "show", "judy", "--json")).Json.GetProperty("id").GetString()!;
        (await cli.RunAsync("users", "delete", "judy")).EnsureSuccess();
        var afterDeletion = (await cli.RunAsync("users", "audit", id, "--json")).EnsureSuccess().Json;
        Assert.Equal(6, afterDeletion.GetArrayLength());
        Assert.Equal("admin.user-delete", afterDeletion[0].GetProperty("type").GetString());
        Assert.Contains("No user named 'judy'", (await cli.RunAsync("users", "audit", "judy")).AssertRefused(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task users_mfa_exempt_lets_alice_in_with_the_password_alone_until_mfa_require()
    {
        cli.HandOverActivationCode("alice", await cli.RunWithInputAsync(Password, "users", "add", "alice"));

        // Without a reason nothing changes.
        Assert.Contains("--reason", (await cli.RunAsync("users", "mfa-exempt", "alice")).AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("users", "mfa-exempt", "alice", "--reason", "  ")).AssertRefused();
        Assert.False((await cli.RunAsync("users", "show", "alice", "--json")).Json.GetProperty("mfaExempt").GetBoolean());

        // Act
        (await cli.RunAsync("users", "mfa-exempt", "alice", "--reason", "break-glass")).EnsureSuccess();

        // Assert: no second-step page, the exemption is shown and audited with its reason.
        var (step, subject) = await SignInProbe.SignInNotingSecondStepAsync(cli, "alice", Password);
        var shown = (await cli.RunAsync("users", "show", "alice", "--json")).Json;
        Assert.Equal(SecondStep.None, step);
        Assert.Equal(shown.GetProperty("id").GetString(), subject);
        Assert.True(shown.GetProperty("mfaExempt").GetBoolean());
        Assert.Contains("mfa exempt:", (await cli.RunAsync("users", "show", "alice")).Stdout, StringComparison.Ordinal);

        var exemption = Assert.Single((await cli.RunAsync("users", "audit", "alice", "--json")).Json.EnumerateArray(),
            e => e.GetProperty("type").GetString() == "admin.mfa-exempt");
        Assert.Equal("break-glass", exemption.GetProperty("reason").GetString());
        Assert.Contains("break-glass", (await cli.RunAsync("users", "audit", "alice")).Stdout, StringComparison.Ordinal);

        // mfa-require undoes it: alice, who has no factor, is taken through enrolment.
        (await cli.RunAsync("users", "mfa-require", "alice")).EnsureSuccess();
        Assert.False((await cli.RunAsync("users", "show", "alice", "--json")).Json.GetProperty("mfaExempt").GetBoolean());
        Assert.Equal(SecondStep.Enrolment, (await SignInProbe.SignInNotingSecondStepAsync(cli, "alice", Password)).Step);
        Assert.Equal("admin.mfa-require", (await cli.RunAsync("users", "audit", "alice", "--limit", "10", "--json")).Json
            .EnumerateArray().Select(e => e.GetProperty("type").GetString()).First(t => t!.StartsWith("admin.", StringComparison.Ordinal)));
    }

    /// <summary>Ten recovery codes, a passkey and a locked second factor, through the server's own services.</summary>
    private async Task GiveRecoveryCodesPasskeyAndLockoutAsync(string userName)
    {
        await cli.Server.AdministerAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<IdpUser>>();
            var user = (await users.FindByNameAsync(userName))!;
            await services.GetRequiredService<RecoveryCodeService>().RegenerateAsync(user.Id);

            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var passkey = new UserPasskeyInfo(RandomNumberGenerator.GetBytes(16), key.ExportSubjectPublicKeyInfo(), DateTimeOffset.UtcNow, 0,
                ["usb"], isUserVerified: true, isBackupEligible: false, isBackedUp: false, attestationObject: [0xA0], clientDataJson: "{}"u8.ToArray());
            Assert.True((await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded);

            var lockout = services.GetRequiredService<SecondFactorLockout>();
            DateTimeOffset? lockedUntil = null;
            while (lockedUntil is null)
            {
                // Failed attempts, as the second-factor page makes them: reserved first, then reported as failed.
                var reservation = await lockout.ReserveAsync(user.Id);
                lockedUntil = reservation.Granted ? (await lockout.FailedAsync(user.Id))?.Until : reservation.LockedUntil;
            }

            return lockedUntil;
        });
    }
}
