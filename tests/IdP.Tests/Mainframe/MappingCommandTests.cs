using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mainframe;

/// <summary><c>mappings add|remove|list|show</c>: what the gateway will look up, and refusals that change nothing.</summary>
public sealed class MappingCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    private const string Password = "Correct-Horse-9";
    private const string Registry = "ldaps://idp.example";

    [Fact]
    public async Task a_user_mapped_by_user_name_is_mapped_under_the_users_id_and_list_and_show_find_it()
    {
        await AddUserAsync("carol");
        var userId = (await cli.RunAsync("users", "show", "carol", "--json")).EnsureSuccess().Json.GetProperty("id").GetString();
        var stampBefore = await MappingStore.ChangeStampAsync(cli);

        var added = (await cli.RunAsync("mappings", "add", "carol", "--registry", Registry, "--userid", "carol1", "--json")).EnsureSuccess().Json;

        Assert.Equal(userId, added.GetProperty("distributedId").GetString());
        Assert.Equal("CAROL1", added.GetProperty("mainframeUserId").GetString()); // stored upper-case
        Assert.Equal("user", added.GetProperty("kind").GetString());
        Assert.Equal("carol", added.GetProperty("label").GetString()); // the user name, by default
        Assert.Equal(stampBefore + 1, await MappingStore.ChangeStampAsync(cli));

        var shown = (await cli.RunAsync("mappings", "show", "carol", "--json")).EnsureSuccess().Json;
        var mapping = Assert.Single(shown.EnumerateArray());
        Assert.Equal(Registry, mapping.GetProperty("registry").GetString());
        Assert.Equal("CAROL1", mapping.GetProperty("mainframeUserId").GetString());

        var listed = (await cli.RunAsync("mappings", "list", "--registry", Registry)).EnsureSuccess();
        Assert.Contains(listed.Stdout.Split('\n'), line => line.Contains("CAROL1", StringComparison.Ordinal) && line.Contains(userId!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task remove_deletes_the_mapping_bumps_the_stamp_and_a_second_remove_exits_2()
    {
        (await cli.RunAsync("clients", "add", "nightly", "--grant", "client_credentials")).EnsureSuccess();
        (await cli.RunAsync("mappings", "add", "nightly", "--client", "--registry", Registry, "--userid", "NIGHTLY")).EnsureSuccess();
        var stampBefore = await MappingStore.ChangeStampAsync(cli);

        var removed = await cli.RunAsync("mappings", "remove", "nightly", "--client", "--registry", Registry);

        Assert.Equal(0, removed.ExitCode);
        Assert.Contains("Removed the mapping of 'nightly'", removed.Stdout, StringComparison.Ordinal);
        Assert.Equal(stampBefore + 1, await MappingStore.ChangeStampAsync(cli));
        Assert.DoesNotContain(await MappingStore.RowsAsync(cli), row => row.StartsWith("nightly|", StringComparison.Ordinal));
        var again = (await cli.RunAsync("mappings", "remove", "nightly", "--client", "--registry", Registry)).AssertRefused();
        Assert.Contains("has no mapping in registry", again, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("TOOLONGID")]
    [InlineData("ZOS USER")]
    [InlineData("")]
    public async Task an_invalid_mainframe_user_id_exits_2_and_writes_nothing(string userId)
    {
        await AddUserAsync("dave-" + userId.Length);
        var rowsBefore = await MappingStore.RowsAsync(cli);

        var error = (await cli.RunAsync("mappings", "add", "dave-" + userId.Length, "--registry", Registry, "--userid", userId)).AssertRefused();

        Assert.Equal($"error: '{userId}' is not a valid mainframe user ID (1-8 of A-Z 0-9 # $ @, not starting with a digit).", error);
        Assert.Equal(rowsBefore, await MappingStore.RowsAsync(cli));
    }

    [Fact]
    public async Task a_registry_over_255_bytes_or_blank_exits_2_and_writes_nothing()
    {
        await AddUserAsync("erin");
        var rowsBefore = await MappingStore.RowsAsync(cli);

        var oversized = (await cli.RunAsync("mappings", "add", "erin", "--registry", new string('r', 256), "--userid", "ERIN")).AssertRefused();
        var blank = (await cli.RunAsync("mappings", "add", "erin", "--registry", "  ", "--userid", "ERIN")).AssertRefused();

        Assert.Contains("is not valid (1-255 UTF-8 bytes", oversized, StringComparison.Ordinal);
        Assert.Contains("The registry is blank", blank, StringComparison.Ordinal);
        Assert.Equal(rowsBefore, await MappingStore.RowsAsync(cli));
    }

    [Theory]
    [InlineData("caf\u00e9-batch", "has characters other than printable ASCII; API ML sends it to the mapper as ISO-8859-1")]
    [InlineData("batch\u202ekcab", "is not valid (1-246 UTF-8 bytes, only printing characters)")]
    [InlineData("batch\u200bjob", "is not valid (1-246 UTF-8 bytes, only printing characters)")] // ZERO WIDTH SPACE
    public async Task a_client_whose_id_api_ml_could_not_send_intact_cannot_be_mapped(string clientId, string refusal)
    {
        (await cli.RunAsync("clients", "add", clientId, "--grant", "client_credentials")).EnsureSuccess();
        var rowsBefore = await MappingStore.RowsAsync(cli);

        var error = (await cli.RunAsync("mappings", "add", clientId, "--client", "--registry", Registry, "--userid", "BATCH")).AssertRefused();

        Assert.Contains(refusal, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202e', error);
        Assert.DoesNotContain('\u200b', error);
        Assert.Equal(rowsBefore, await MappingStore.RowsAsync(cli));
    }

    [Theory]
    [InlineData("ldaps://idp.exampl\u00e9", "has characters other than printable ASCII; API ML sends the registry to the mapper as ISO-8859-1")]
    [InlineData("ldaps://\u202eelpmaxe.pdi", "is not valid (1-255 UTF-8 bytes, only printing characters)")]
    public async Task a_registry_api_ml_could_not_send_intact_exits_2(string registry, string refusal)
    {
        await AddUserAsync("gina-" + registry.Length);

        var error = (await cli.RunAsync("mappings", "add", "gina-" + registry.Length, "--registry", registry, "--userid", "GINA")).AssertRefused();

        Assert.Contains(refusal, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202e', error);
    }

    [Fact]
    public async Task a_distributed_identity_over_246_bytes_exits_2_before_any_lookup()
    {
        var error = (await cli.RunAsync("mappings", "add", new string('x', 247), "--client", "--registry", Registry, "--userid", "BATCH")).AssertRefused();

        Assert.Contains("is longer than 246 UTF-8 bytes, the most a distributed identity can be", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task mapping_an_unknown_user_or_client_exits_2()
    {
        var user = (await cli.RunAsync("mappings", "add", "nobody", "--registry", Registry, "--userid", "NOBODY")).AssertRefused();
        var client = (await cli.RunAsync("mappings", "add", "no-such-client", "--client", "--registry", Registry, "--userid", "NOBODY")).AssertRefused();

        Assert.Equal("error: No user named 'nobody'.", user);
        Assert.Equal("error: No client named 'no-such-client'.", client);
    }

    [Fact]
    public async Task mapping_the_same_identity_twice_in_one_registry_exits_2_and_keeps_the_first()
    {
        await AddUserAsync("frank");
        (await cli.RunAsync("mappings", "add", "frank", "--registry", Registry, "--userid", "FRANK")).EnsureSuccess();

        var error = (await cli.RunAsync("mappings", "add", "frank", "--registry", Registry, "--userid", "FRANK2")).AssertRefused();

        Assert.Contains("is already mapped in registry", error, StringComparison.Ordinal);
        var shown = (await cli.RunAsync("mappings", "show", "frank", "--json")).EnsureSuccess().Json;
        Assert.Equal("FRANK", Assert.Single(shown.EnumerateArray()).GetProperty("mainframeUserId").GetString());
    }

    private async Task AddUserAsync(string name)
        => (await cli.RunWithInputAsync(Password + "\n", "users", "add", name)).EnsureSuccess();
}
