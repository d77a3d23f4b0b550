using System.CommandLine;
using Microsoft.Extensions.Options;

namespace IdP.Server.Administration;

/// <summary>
/// The administration verbs of the same binary: <c>users</c>, <c>clients</c>, <c>scopes</c>, <c>keys</c>, <c>mappings</c>, <c>migrate</c>, <c>audit</c>.
/// Exit codes: 0 success, 1 failure while running, 2 bad arguments or a request the administrator can correct
/// (one line on standard error either way).
/// </summary>
public static class AdminCommandLine
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    private static readonly HashSet<string> Verbs = new(StringComparer.Ordinal) { "users", "clients", "scopes", "keys", "mappings", "migrate", "audit" };

    public static bool IsAdminCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <summary>Runs one command against the configured database. <paramref name="configure"/> lets tests point it elsewhere.</summary>
    public static async Task<int> RunAsync(
        string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr,
        Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var context = new CommandContext(stdin, stdout, stderr, configure);
        var root = new RootCommand("IdP administration.")
        {
            UserCommands.Create(context), ClientCommands.Create(context), ScopeCommands.Create(context),
            KeyCommands.Create(context), MappingCommands.Create(context), MigrateCommand.Create(context), AuditCommands.Create(context),
        };
        root.Options.Add(context.Json);

        // An argument starting with '@' is a value (a user name, a secret), never a response file to expand.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

        // Help clears the errors it would otherwise sit beside (e.g. "users --help" has no subcommand).
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            var message = FirstError(parse).TrimEnd();
            return await FailAsync(stderr, message + (message.EndsWith('.') ? "" : ".") + " See --help.", Usage);
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                // Failures are reported below as one line, never as the library's stack trace.
                EnableDefaultExceptionHandler = false,
                // Ctrl+C ends the process at once, as expected at a password prompt, which cannot observe a cancelled token.
                ProcessTerminationTimeout = null,
            }, cancellationToken);
        }
        catch (AdministrationException exception)
        {
            return await FailAsync(stderr, exception.Message, Usage);
        }
        catch (OptionsValidationException exception)
        {
            return await FailAsync(stderr, "invalid configuration: " + string.Join(" ", exception.Failures), Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return await FailAsync(stderr, "cancelled.", Failure);
        }
#pragma warning disable CA1031 // The CLI's contract: any other failure is one line and exit code 1.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return await FailAsync(stderr, exception.GetBaseException().Message, Failure);
        }
    }

    /// <summary>"users frob" reports a missing subcommand before the unknown word, which is the useful part.</summary>
    private static string FirstError(ParseResult parse)
    {
        var unmatched = parse.UnmatchedTokens.Count > 0 ? parse.UnmatchedTokens[0] : null;
        var aboutUnmatched = unmatched is null ? null : parse.Errors.FirstOrDefault(e => e.Message.Contains($"'{unmatched}'", StringComparison.Ordinal));
        return (aboutUnmatched ?? parse.Errors[0]).Message;
    }

    private static async Task<int> FailAsync(TextWriter stderr, string message, int exitCode)
    {
        var oneLine = string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        await stderr.WriteLineAsync("error: " + oneLine);
        return exitCode;
    }
}
