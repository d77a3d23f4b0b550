using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>
/// Prepares the database before the server takes requests: migrations, keys, the optional demo seed, and the
/// start-up banner. It runs as a hosted service so tests (WebApplicationFactory) and the real server share it.
/// </summary>
internal sealed class StartupInitializer(
    IServiceScopeFactory scopeFactory,
    SigningKeyRing keyRing,
    IOptions<DatabaseOptions> database,
    IHostApplicationLifetime lifetime,
    StartupBanner banner) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await PrepareAsync(scopeFactory, keyRing, database.Value, cancellationToken);

        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var demo = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
            var credentials = await demo.SeedIfEnabledAsync(cancellationToken);
            lifetime.ApplicationStarted.Register(() => banner.Print(credentials));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Migrations (when configured) and the key ring: what both the server and the CLI need.</summary>
    public static async Task PrepareAsync(IServiceScopeFactory scopeFactory, SigningKeyRing keyRing, DatabaseOptions database, CancellationToken cancellationToken)
    {
        if (database.MigrateOnStartup)
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        }

        await keyRing.InitializeAsync(cancellationToken);
    }
}
