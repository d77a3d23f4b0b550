using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary>Bad arguments, help and failures: exit codes, one line on standard error, and no database touched.</summary>
public sealed class CommandLineContractTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Theory]
    [InlineData("users frob", "'frob'")]
    [InlineData("users list --bogus", "'--bogus'")]
    [InlineData("users show", "Required argument")]
    [InlineData("users", "Required command")]
    [InlineData("keys revoke", "'revoke'")]
    [InlineData("clients add app --grant", "--grant")]
    [InlineData("clients add app --require-pkce maybe", "'maybe'")]
    [InlineData("clients add app --grant teleport", "Unknown grant type 'teleport'")]
    [InlineData("users add alice --password Secret-123", "'--password'")]
    [InlineData("users mfa-exempt alice", "--reason")]
    [InlineData("users totp-import alice", "--secret-stdin")]
    [InlineData("users totp-import alice --secret-stdin", "not valid base32")]
    [InlineData("users audit alice --limit 0", "--limit")]
    [InlineData("clients add app --mfa-policy bogus", "'bogus'")]
    public async Task bad_arguments_exit_2_with_exactly_one_error_line_and_leave_the_data_folder_alone(string commandLine, string expected)
    {
        var result = await cli.RunWithInputAsync("Correct-Horse-9\n", commandLine.Split(' '));

        Assert.Contains(expected, result.AssertRefused(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(cli.DataDirectory), "A refused command line must not create the database.");
    }

    [Theory]
    [InlineData("users --help")]
    [InlineData("clients add -h")]
    [InlineData("scopes add --help")]
    public async Task help_prints_usage_to_standard_output_and_exits_0(string commandLine)
    {
        var result = await cli.RunAsync(commandLine.Split(' '));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task an_unexpected_failure_exits_1_with_one_line_and_no_stack_trace()
    {
        var unreachable = new Dictionary<string, string?>
        {
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(cli.DataDirectory, "missing", "idp.db")};Mode=ReadOnly",
        };

        var result = await cli.RunWithSettingsAsync("", unreachable, "users", "list");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", result.Stderr, StringComparison.Ordinal);
    }
}
