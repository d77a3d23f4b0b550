using System.CommandLine;

namespace IdP.Server.Administration;

/// <summary>What every command needs: the streams it was given, the <c>--json</c> switch and the services.</summary>
internal sealed class CommandContext(TextReader stdin, TextWriter stdout, TextWriter stderr, Action<WebApplicationBuilder>? configure)
{
    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print JSON only (one camelCase document) for scripts.",
        Recursive = true,
    };

    public PasswordReader Passwords { get; } = new(stdin, stderr);

    public CommandOutput OutputFor(ParseResult result) => new(stdout, result.GetValue(Json));

    /// <summary>Runs <paramref name="action"/> in a service scope of a host whose database is ready, as the server's is.</summary>
    public async Task<int> RunAsync(ParseResult result, Func<IServiceProvider, CommandOutput, Task> action, CancellationToken cancellationToken)
    {
        await using var host = await AdminHost.OpenAsync(configure, prepareDatabase: true, cancellationToken);
        await using var scope = host.Services.CreateAsyncScope();
        await action(scope.ServiceProvider, OutputFor(result));
        return 0;
    }

    /// <summary>A host whose database is left as it is, for <c>migrate</c>.</summary>
    public Task<AdminHost> OpenUnpreparedAsync(CancellationToken cancellationToken)
        => AdminHost.OpenAsync(configure, prepareDatabase: false, cancellationToken);
}
