using System.Diagnostics;

namespace IdP.Bench.SignIn;

/// <summary>What a closed-loop load run measured: completed iterations, their latencies, and failures by cause.</summary>
public sealed record LoadResult(long Completed, long Failed, TimeSpan Elapsed, double P50Ms, double P99Ms, IReadOnlyDictionary<string, int> Failures)
{
    public double PerSecond => Completed / Elapsed.TotalSeconds;

    /// <summary>Nearest-rank percentile of sorted latencies.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
        => sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>
/// Virtual users, each running one operation after another until the time is up (a closed loop, as wrk's
/// connections do). Operations started before the deadline finish and count; the rate is over the real elapsed time.
/// </summary>
public static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(int concurrency, TimeSpan duration, Func<CancellationToken, Task> operation)
    {
        var latencies = new List<double>[concurrency];
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var failed = 0L;
        var clock = Stopwatch.StartNew();
        using var abort = new CancellationTokenSource();

        async Task UserAsync(int index)
        {
            var mine = latencies[index] = [];
            while (clock.Elapsed < duration)
            {
                var started = clock.Elapsed;
                try
                {
                    await operation(abort.Token);
                    mine.Add((clock.Elapsed - started).TotalMilliseconds);
                }
                catch (Exception exception) when (exception is SignInStepException or HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    var cause = exception is SignInStepException step ? step.Message : exception.GetType().Name + ": " + exception.Message;
                    lock (failures)
                    {
                        failures[cause] = failures.GetValueOrDefault(cause) + 1;
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => UserAsync(i))));
        var elapsed = clock.Elapsed;
        var all = latencies.SelectMany(l => l).Order().ToList();
        return new LoadResult(all.Count, failed, elapsed, LoadResult.Percentile(all, 50), LoadResult.Percentile(all, 99), failures);
    }
}
