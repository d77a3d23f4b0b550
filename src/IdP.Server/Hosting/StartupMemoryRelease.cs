using System.Runtime;
using IdP.Server.Protocol;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting;

/// <summary>
/// Once the server is taking requests, one full, compacting garbage collection that hands the memory start-up used
/// (migrations, the EF Core model, OpenIddict's and Razor's set-up, the first request's routing tables) back to the
/// operating system. Without it a server that has just started keeps that garbage's pages until load makes the GC
/// run, and its idle footprint is the size of its start-up rather than of its work (docs/deployment.md, "Memory").
/// </summary>
/// <remarks>
/// One blocking collection of a young heap, after the first request: one pause (30 ms measured), logged. Turned off
/// with <c>Server:ReleaseStartupMemory=false</c>.
/// </remarks>
internal sealed partial class StartupMemoryRelease(
    IHostApplicationLifetime lifetime, IOptions<IdpServerOptions> server, ILogger<StartupMemoryRelease> logger) : BackgroundService
{
    /// <summary>Long enough for the first requests (a readiness probe) to build what stays: routing, the health checks.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!server.Value.ReleaseStartupMemory)
        {
            return;
        }

        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
            await Task.Delay(Settle, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return; // stopped before it mattered
        }

        var before = Environment.WorkingSet;
        var pausedBefore = GC.GetTotalPauseDuration();
        // Aggressive: compacts and decommits what is free, which an ordinary collection keeps for later allocations;
        // CompactOnce asks for the large-object heap to be compacted too, which a full collection otherwise skips.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var after = Environment.WorkingSet;
        LogReleased(logger, (before - after) / (1024 * 1024), after / (1024 * 1024), (long)(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Start-up memory released: {ReleasedMiB} MiB; working set {WorkingSetMiB} MiB; paused {PauseMs} ms")]
    private static partial void LogReleased(ILogger logger, long releasedMiB, long workingSetMiB, long pauseMs);
}
