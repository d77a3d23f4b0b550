using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary><c>users ...</c>: what the command line does to accounts is what the login page then enforces.</summary>
public sealed class UserCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    private const string Password = "Correct-Horse-9";

    [Fact]
    public async Task users_add_reads_the_password_from_stdin_and_the_user_can_sign_in()
    {
        // Act
        var added = cli.HandOverActivationCode("alice", await cli.RunWithInputAsync(Password + "\n", "users", "add", "alice", "--email", "alice@example.com"));

        // Assert: the account exists as asked, and the password from stdin signs in at the real server.
        added.EnsureSuccess();
        Assert.Contains("Created user 'alice'", added.Stdout, StringComparison.Ordinal);
        Assert.Equal("", added.Stderr);

        var shown = (await cli.RunAsync("users", "show", "alice@example.com", "--json")).EnsureSuccess().Json;
        Assert.Equal("alice", shown.GetProperty("userName").GetString());
        Assert.Equal("alice@example.com", shown.GetProperty("email").GetString());
        Assert.False(shown.GetProperty("disabled").GetBoolean());

        var (subject, refusal) = await SignInProbe.SignInAsync(cli, "alice", Password);
        Assert.Null(refusal);
        Assert.Equal(shown.GetProperty("id").GetString(), subject);
    }

    [Fact]
    public async Task users_add_with_a_password_the_policy_rejects_exits_2_with_one_line_and_creates_nothing()
    {
        var result = await cli.RunWithInputAsync("short\n", "users", "add", "weakling");

        var error = result.AssertRefused();
        Assert.Contains("Passwords must", error, StringComparison.Ordinal);
        (await cli.RunAsync("users", "show", "weakling")).AssertRefused();
    }

    [Fact]
    public async Task users_add_without_a_password_on_stdin_exits_2_and_creates_nothing()
    {
        var result = await cli.RunWithInputAsync("", "users", "add", "nopassword");

        Assert.Contains("standard input", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("users", "show", "nopassword")).AssertRefused();
    }

    [Fact]
    public async Task users_add_with_a_name_outside_ascii_exits_2_and_creates_nothing()
    {
        // User names are ASCII (Identity's default character set): matching them needs no Unicode normalisation,
        // which IdP, running without ICU, does not have (docs/deployment.md, "No ICU"). "José" either way: é as one
        // code point, and e followed by a combining accent.
        foreach (var name in (string[])["jos\u00e9", "jose\u0301"])
        {
            var result = await cli.RunWithInputAsync(Password, "users", "add", name);

            Assert.Contains("is invalid", result.AssertRefused(), StringComparison.Ordinal);
            (await cli.RunAsync("users", "show", name)).AssertRefused();
        }
    }

    [Fact]
    public async Task users_add_of_an_existing_user_exits_2_and_keeps_the_first_account()
    {
        cli.HandOverActivationCode("bob", await cli.RunWithInputAsync(Password, "users", "add", "bob"));

        var duplicate = await cli.RunWithInputAsync("Another-Horse-9", "users", "add", "bob");

        Assert.Contains("already exists", duplicate.AssertRefused(), StringComparison.Ordinal);
        Assert.Null((await SignInProbe.SignInAsync(cli, "bob", Password)).Refusal);
    }

    [Fact]
    public async Task users_disable_stops_sign_in_and_enable_restores_it()
    {
        cli.HandOverActivationCode("carol", await cli.RunWithInputAsync(Password, "users", "add", "carol"));

        var disabled = (await cli.RunAsync("users", "disable", "carol", "--json")).EnsureSuccess();
        Assert.True(disabled.Json.GetProperty("disabled").GetBoolean());
        Assert.Equal("disabled", (await SignInProbe.SignInAsync(cli, "carol", Password)).Refusal);

        (await cli.RunAsync("users", "enable", "carol")).EnsureSuccess();
        Assert.False((await cli.RunAsync("users", "show", "carol", "--json")).Json.GetProperty("disabled").GetBoolean());
        Assert.Null((await SignInProbe.SignInAsync(cli, "carol", Password)).Refusal);
    }

    [Fact]
    public async Task users_set_password_replaces_the_password_and_a_rejected_one_changes_nothing()
    {
        cli.HandOverActivationCode("dave", await cli.RunWithInputAsync(Password, "users", "add", "dave"));

        // A password the policy rejects leaves the old one in place.
        (await cli.RunWithInputAsync("weak", "users", "set-password", "dave")).AssertRefused();
        Assert.Null((await SignInProbe.SignInAsync(cli, "dave", Password)).Refusal);

        var changed = await cli.RunWithInputAsync("New-Battery-Staple-7\n", "users", "set-password", "dave");

        changed.EnsureSuccess();
        Assert.Equal("incorrect", (await SignInProbe.SignInAsync(cli, "dave", Password)).Refusal);
        Assert.Null((await SignInProbe.SignInAsync(cli, "dave", "New-Battery-Staple-7")).Refusal);
    }

    [Fact]
    public async Task users_delete_removes_the_account()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "erin", "--email", "erin@example.com")).EnsureSuccess();

        var deleted = (await cli.RunAsync("users", "delete", "erin@example.com", "--json")).EnsureSuccess();

        Assert.True(deleted.Json.GetProperty("deleted").GetBoolean());
        Assert.Equal("erin", deleted.Json.GetProperty("userName").GetString());
        Assert.Contains("No user named 'erin'", (await cli.RunAsync("users", "show", "erin")).AssertRefused(), StringComparison.Ordinal);
        Assert.Equal("incorrect", (await SignInProbe.SignInAsync(cli, "erin", Password)).Refusal);
        (await cli.RunAsync("users", "delete", "erin")).AssertRefused();
    }

    [Fact]
    public async Task users_list_prints_an_aligned_table_or_a_json_array()
    {
        (await cli.RunWithInputAsync(Password, "users", "add", "frank", "--email", "frank@example.com")).EnsureSuccess();
        (await cli.RunWithInputAsync(Password, "users", "add", "gina")).EnsureSuccess();
        (await cli.RunAsync("users", "disable", "gina")).EnsureSuccess();

        var text = (await cli.RunAsync("users", "list")).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var json = (await cli.RunAsync("users", "list", "--json")).EnsureSuccess().Json;

        Assert.StartsWith("USERNAME", text[0], StringComparison.Ordinal);
        var frank = Assert.Single(text, line => line.StartsWith("frank ", StringComparison.Ordinal));
        var gina = Assert.Single(text, line => line.StartsWith("gina ", StringComparison.Ordinal));
        Assert.Equal(text[0].IndexOf("STATUS", StringComparison.Ordinal), frank.IndexOf("active", StringComparison.Ordinal));
        Assert.Equal(text[0].IndexOf("STATUS", StringComparison.Ordinal), gina.IndexOf("disabled", StringComparison.Ordinal));

        var users = json.EnumerateArray().ToDictionary(u => u.GetProperty("userName").GetString()!);
        Assert.Equal("frank@example.com", users["frank"].GetProperty("email").GetString());
        Assert.True(users["gina"].GetProperty("disabled").GetBoolean());
    }
}
