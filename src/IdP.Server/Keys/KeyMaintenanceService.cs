using Microsoft.Extensions.Options;

namespace IdP.Server.Keys;

/// <summary>
/// Keeps every instance's key ring current without a restart: rotates when due (<see cref="KeyOptions.RotationInterval"/>),
/// then rereads the keys every <see cref="KeyOptions.RefreshInterval"/>, and also as soon as a key activates, retires
/// or expires, so a key another instance added is published here within one refresh interval.
/// </summary>
internal sealed partial class KeyMaintenanceService(
    IServiceScopeFactory scopeFactory,
    SigningKeyRing ring,
    IOptions<KeyOptions> options,
    TimeProvider time,
    ILogger<KeyMaintenanceService> logger) : BackgroundService
{
    /// <summary>Lands just after a scheduled moment rather than just before it.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using (var scope = scopeFactory.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<KeyRotation>().RotateIfDueAsync(stoppingToken);
                }

                await ring.ReloadAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed refresh (database busy or briefly unavailable) is retried next time; the ring keeps its keys.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                LogRefreshFailed(logger, exception);
            }

            try
            {
                await Task.Delay(NextDelay(), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan NextDelay()
    {
        var now = time.GetUtcNow();
        var delay = options.Value.RefreshInterval;
        if (ring.Current.NextChangeAfter(now) is { } next && next - now + Slack < delay)
        {
            delay = next - now + Slack;
        }

        return delay;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing the signing keys failed; retrying at the next refresh.")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
