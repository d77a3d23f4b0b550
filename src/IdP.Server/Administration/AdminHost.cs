using IdP.Server.Data;
using IdP.Server.Hosting;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;

namespace IdP.Server.Administration;

/// <summary>
/// The server's own service container, built but never started: the CLI uses the same Identity, OpenIddict and
/// EF Core configuration as the server, so what it writes is exactly what the server reads.
/// </summary>
internal sealed class AdminHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AdminHost(WebApplication app) => _app = app;

    public IServiceProvider Services => _app.Services;

    /// <param name="prepareDatabase">Migrate (when configured) and create keys as the server would; <c>migrate</c> does its own.</param>
    public static async Task<AdminHost> OpenAsync(Action<WebApplicationBuilder>? configure, bool prepareDatabase, CancellationToken cancellationToken)
    {
        var builder = IdpApplication.CreateBuilder([]);

        // Standard output must stay parseable with --json and a failure is one line on standard error, so log
        // lines (EF Core, Data Protection, key generation) must not reach either.
        builder.Logging.ClearProviders();

        // What this command changes is audited as done by the administrator who ran it.
        builder.Services.AddSingleton(Mfa.AuditActor.CommandLine());
        configure?.Invoke(builder);
        builder.ConfigureIdpServices();

        var host = new AdminHost(builder.Build());
        try
        {
            if (prepareDatabase)
            {
                var services = host.Services;
                await StartupInitializer.PrepareAsync(
                    services.GetRequiredService<IServiceScopeFactory>(),
                    services.GetRequiredService<SigningKeyRing>(),
                    services.GetRequiredService<IOptions<DatabaseOptions>>().Value,
                    services.GetRequiredService<ILogger<AdminHost>>(),
                    cancellationToken);
            }

            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
