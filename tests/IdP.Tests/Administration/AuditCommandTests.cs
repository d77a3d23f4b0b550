using IdP.Server.Data;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Administration;

/// <summary><c>audit list</c>: every user's audit events, newest first, filtered by user, time and type.</summary>
public sealed class AuditCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Fact]
    public async Task audit_list_shows_all_users_events_newest_first_and_filters_by_user_since_type_and_limit()
    {
        // Arrange: an old event first (ids follow time), then changes to two users.
        await cli.Server.AdministerAsync(async services =>
        {
            var db = services.GetRequiredService<IdpDbContext>();
            db.AuditEvents.Add(new AuditEvent { At = DateTimeOffset.UtcNow.AddDays(-3), Type = "signin.password", Outcome = AuditLog.Failure, UserName = "mallory" });
            return await db.SaveChangesAsync();
        });
        (await cli.RunWithInputAsync("Correct-Horse-9", "users", "add", "olga")).EnsureSuccess();
        (await cli.RunWithInputAsync("Correct-Horse-9", "users", "add", "pete")).EnsureSuccess();
        (await cli.RunAsync("users", "mfa-exempt", "olga", "--reason", "break-glass")).EnsureSuccess();
        (await cli.RunAsync("users", "mfa-require", "pete")).EnsureSuccess();

        // Act
        var all = (await cli.RunAsync("audit", "list", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();

        // Assert
        Assert.Equal(["admin.mfa-require", "admin.mfa-exempt", "admin.user-add", "admin.user-add", "signin.password"], all.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(["pete", "olga", "pete", "olga", "mallory"], all.Select(e => e.GetProperty("userName").GetString()));
        Assert.Equal([AdminCli.Actor, AdminCli.Actor, AdminCli.Actor, AdminCli.Actor, null], all.Select(e => e.GetProperty("actor").GetString()));
        Assert.Equal("break-glass", all[1].GetProperty("reason").GetString());

        Assert.Equal(["admin.mfa-exempt", "admin.user-add"], Types(await cli.RunAsync("audit", "list", "--user", "olga", "--json")));
        Assert.Equal(4, Types(await cli.RunAsync("audit", "list", "--since", "24h", "--json")).Count);
        Assert.Equal(5, Types(await cli.RunAsync("audit", "list", "--since", DateTimeOffset.UtcNow.AddDays(-4).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), "--json")).Count);
        Assert.Equal(["admin.mfa-require"], Types(await cli.RunAsync("audit", "list", "--type", "admin.mfa-r", "--json")));
        Assert.Equal(["admin.mfa-require"], Types(await cli.RunAsync("audit", "list", "--limit", "1", "--json")));
        Assert.Empty(Types(await cli.RunAsync("audit", "list", "--user", "olga", "--type", "signin.", "--json")));
        Assert.Equal(4, Types(await cli.RunAsync("audit", "list", "--actor", "cli:", "--json")).Count);
        Assert.Empty(Types(await cli.RunAsync("audit", "list", "--actor", "system", "--json")));

        var table = (await cli.RunAsync("audit", "list", "--user", "olga")).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("^TIME +USER +TYPE +ACTOR +FACTOR ", table[0]);
        Assert.Contains("olga", table[1], StringComparison.Ordinal);
        Assert.Contains(AdminCli.Actor, table[1], StringComparison.Ordinal);
        Assert.Contains("break-glass", table[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--limit", "0")]
    public async Task audit_list_refuses_a_bad_argument_with_exit_code_2(string option, string value)
    {
        Assert.Contains(option, (await cli.RunAsync("audit", "list", option, value)).AssertRefused(), StringComparison.Ordinal);
    }

    private static List<string?> Types(CliResult result)
        => [.. result.EnsureSuccess().Json.EnumerateArray().Select(e => e.GetProperty("type").GetString())];
}
