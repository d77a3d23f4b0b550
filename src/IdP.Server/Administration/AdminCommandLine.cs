using IdP.Server.Data;
using IdP.Server.Hosting;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;

namespace IdP.Server.Administration;

/// <summary>
/// The administration verbs of the same binary: <c>users</c>, <c>clients</c>, <c>scopes</c>, <c>keys</c>, <c>migrate</c>.
/// Exit codes: 0 success, 1 failure while running, 2 bad arguments (one line on standard error).
/// </summary>
public static class AdminCommandLine
{
    private static readonly HashSet<string> Verbs = new(StringComparer.Ordinal) { "users", "clients", "scopes", "keys", "migrate" };

    public static bool IsAdminCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    /// <summary>Runs one command against the configured database. <paramref name="configure"/> lets tests point it elsewhere.</summary>
    public static async Task<int> RunAsync(
        string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr,
        Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = IdpApplication.CreateBuilder([]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);
        builder.ConfigureIdpServices();

        await using var app = builder.Build();
        var services = app.Services;

        // The CLI prepares the database as the server would, so `users add` works on a fresh machine.
        await StartupInitializer.PrepareAsync(
            services.GetRequiredService<IServiceScopeFactory>(),
            services.GetRequiredService<SigningKeyRing>(),
            services.GetRequiredService<IOptions<DatabaseOptions>>().Value,
            cancellationToken);

        await stderr.WriteLineAsync("error: not implemented yet");
        _ = stdin;
        _ = stdout;
        return 2;
    }
}
