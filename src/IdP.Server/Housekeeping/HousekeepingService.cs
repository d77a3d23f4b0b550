using IdP.Server.Data;
using Microsoft.Extensions.Options;

namespace IdP.Server.Housekeeping;

/// <summary>Runs <see cref="Housekeeper.PruneAsync"/> every <see cref="HousekeepingOptions.Interval"/> while enabled.</summary>
internal sealed partial class HousekeepingService(
    IServiceScopeFactory scopeFactory,
    IOptions<HousekeepingOptions> options,
    TimeProvider time,
    ILogger<HousekeepingService> logger) : BackgroundService
{
    /// <summary>Not at once: start-up (migrations, keys, the first requests) comes first.</summary>
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var delay = FirstRunDelay;
        while (true)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken);
                await RunOnceIfElectedAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed run (database busy or briefly unavailable) is retried at the next interval.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogFailed(logger, exception);
            }

            delay = options.Value.Interval;
        }
    }

    /// <summary>
    /// Prunes unless another instance is pruning right now: the database lock elects one instance per round, and a
    /// dead instance's lock ends with its session, so another takes over at its next interval.
    /// </summary>
    internal async Task<bool> RunOnceIfElectedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        await using var elected = await scope.ServiceProvider.GetRequiredService<DatabaseLock>().TryAcquireAsync(LockName, cancellationToken);
        if (elected is null)
        {
            LogSkipped(logger);
            return false;
        }

        await scope.ServiceProvider.GetRequiredService<Housekeeper>().PruneAsync(cancellationToken);
        return true;
    }

    public const string LockName = "housekeeping";

    [LoggerMessage(Level = LogLevel.Debug, Message = "Housekeeping skipped: another instance is running it.")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Housekeeping failed; retrying at the next interval.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
