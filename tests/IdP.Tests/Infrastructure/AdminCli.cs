using System.Text.Json;
using IdP.Server.Administration;
using Microsoft.Extensions.Configuration;

namespace IdP.Tests.Infrastructure;

/// <summary>What one command-line run produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();

    public IReadOnlyList<string> ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public CliResult EnsureSuccess()
        => ExitCode == 0 ? this : throw new Xunit.Sdk.XunitException($"The command failed ({ExitCode}): {Stderr}");

    /// <summary>Asserts the contract for a refused command: exit code 2, one "error:" line, nothing on standard output.</summary>
    public string AssertRefused()
    {
        Assert.Equal(2, ExitCode);
        Assert.Equal("", Stdout);
        var line = Assert.Single(ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        return line;
    }
}

/// <summary>
/// Runs the administration command line in-process against its own data folder, and on demand a real server
/// (<see cref="IdpFactory"/>) on the same folder, to check that what the CLI writes is what the server enforces.
/// </summary>
public sealed class AdminCli : IDisposable
{
    private readonly Lazy<SharedDataIdpFactory> _server;

    public AdminCli() => _server = new(() => new SharedDataIdpFactory(DataDirectory));

    public string DataDirectory { get; } = IdpFactory.NewDataDirectory();

    /// <summary>
    /// The actor these commands are audited as: <c>cli:</c> and the OS account running the tests (or the one that ran
    /// sudo), as for an administrator at a terminal.
    /// </summary>
    public static string Actor => "cli:" + (Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudoUser && sudoUser != Environment.UserName
        ? sudoUser + " (sudo)"
        : Environment.UserName);

    public IdpFactory Server => _server.Value;

    /// <summary>
    /// Keeps the activation code that <c>users add</c>, <c>reset-mfa</c> or <c>activation</c> printed, as the help desk
    /// hands it to <paramref name="userName"/>, for their first enrolment (<see cref="Journeys.CompleteSecondFactorAsync"/>).
    /// </summary>
    public CliResult HandOverActivationCode(string userName, CliResult result)
    {
        var code = System.Text.RegularExpressions.Regex.Match(result.EnsureSuccess().Stdout, @"Activation code: ([A-Z2-7-]+) ");
        Assert.True(code.Success, $"No activation code in: {result.Stdout}");
        Server.Authenticators.RememberActivationCode(userName, code.Groups[1].Value);
        return result;
    }

    public Task<CliResult> RunAsync(params string[] args) => RunWithInputAsync("", args);

    public Task<CliResult> RunWithInputAsync(string stdin, params string[] args) => RunWithSettingsAsync(stdin, new Dictionary<string, string?>(), args);

    public async Task<CliResult> RunWithSettingsAsync(string stdin, IDictionary<string, string?> settings, params string[] args)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Server:Issuer"] = IdpFactory.Issuer,
            ["Server:RequireHttps"] = "false",
        };
        foreach (var (key, value) in TestDatabase.SettingsFor(DataDirectory))
        {
            configuration[key] = value;
        }

        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return await RunAsync(configuration, stdin, args);
    }

    /// <summary>The command line in-process with exactly these settings (no data folder of its own).</summary>
    public static async Task<CliResult> RunAsync(IEnumerable<KeyValuePair<string, string?>> settings, string stdin, params string[] args)
    {
        using var input = new StringReader(stdin);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await AdminCommandLine.RunAsync(args, input, output, error,
            builder => builder.Configuration.AddInMemoryCollection(settings));
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        if (_server.IsValueCreated)
        {
            _server.Value.Dispose();
            return;
        }

        TestDatabase.Drop(DataDirectory);
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private sealed class SharedDataIdpFactory(string dataDirectory) : IdpFactory(dataDirectory);
}
