using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Keys;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>
/// Prepares the database before the server takes requests: migrations, keys, the optional demo seed, and the
/// start-up banner. It runs as a hosted service so tests (WebApplicationFactory) and the real server share it.
/// </summary>
internal sealed partial class StartupInitializer(
    IServiceScopeFactory scopeFactory,
    SigningKeyRing keyRing,
    IOptions<DatabaseOptions> database,
    IHostApplicationLifetime lifetime,
    StartupBanner banner,
    ILogger<StartupInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await PrepareAsync(scopeFactory, keyRing, database.Value, logger, cancellationToken);

        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var demo = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
            var credentials = await demo.SeedIfEnabledAsync(cancellationToken);
            lifetime.ApplicationStarted.Register(() => banner.Print(credentials));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Migrations (when configured) and the key ring: what both the server and the CLI need.</summary>
    /// <remarks>
    /// A database that is not reachable yet (PostgreSQL still starting next to IdP) is waited for, up to
    /// <see cref="DatabaseOptions.StartupTimeout"/>; any other failure stops start-up at once.
    /// </remarks>
    public static async Task PrepareAsync(IServiceScopeFactory scopeFactory, SigningKeyRing keyRing, DatabaseOptions database, ILogger logger, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + database.StartupTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                if (database.MigrateOnStartup)
                {
                    await using var scope = scopeFactory.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
                }

                await keyRing.InitializeAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (DatabaseOutage.IsOutage(exception) && DateTimeOffset.UtcNow + delay < deadline)
            {
                LogWaiting(logger, exception.GetBaseException().GetType().Name, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is not reachable yet ({Cause}); retrying in {DelayMs} ms.")]
    private static partial void LogWaiting(ILogger logger, string cause, int delayMs);
}
