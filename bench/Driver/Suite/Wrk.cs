using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace IdP.Bench.Suite;

/// <summary>What wrk measured in one run (its Lua <c>done</c> hook prints it as one JSON line).</summary>
public sealed record WrkResult(long Requests, double Seconds, long StatusErrors, long SocketErrors, double P50Ms, double P90Ms, double P99Ms, string Output)
{
    /// <summary>The first failure a script reported (<c>BENCH_FAILURE status body</c>), if any.</summary>
    public string? FirstFailure => Output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_FAILURE ", StringComparison.Ordinal))?["BENCH_FAILURE ".Length..];

    public double PerSecond => Requests / Seconds;

    public long Errors => StatusErrors + SocketErrors;
}

/// <summary>One wrk request mix: the script, its arguments, extra environment.</summary>
public sealed record WrkJob(Uri Url, string Script, IReadOnlyList<string> ScriptArguments, IReadOnlyDictionary<string, string>? Environment = null,
    int? Connections = null, int? Threads = null);

/// <summary>Runs wrk on the load generator's core (this process is already pinned there; the child inherits it).</summary>
public sealed class Wrk(BenchSettings settings, string logDirectory)
{
    private int _runs;

    public async Task<WrkResult> RunAsync(WrkJob job, int seconds, string label)
    {
        var threads = job.Threads ?? settings.WrkThreads;
        var connections = Math.Max(job.Connections ?? settings.Connections, threads);
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])
                 ["-c", "1", "wrk", "-t", Text(threads), "-c", Text(connections), "-d", Text(seconds) + "s", "--timeout", "10s", "--latency",
                     "-s", Path.Combine(settings.WrkDirectory, job.Script), job.Url.ToString(), "--", .. job.ScriptArguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["BENCH_WRK_DIR"] = settings.WrkDirectory;
        start.Environment["BENCH_WRK_THREADS"] = Text(threads);
        foreach (var (key, value) in job.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new BenchException("Could not start wrk.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = await output + await error;
        await File.WriteAllTextAsync(Path.Combine(logDirectory, $"wrk-{Interlocked.Increment(ref _runs):D2}-{label}.txt"), text);

        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal))
                   ?? throw new BenchException($"wrk printed no result for {label} (exit {process.ExitCode}):\n{text}");
        using var json = JsonDocument.Parse(line["BENCH_JSON ".Length..]);
        var r = json.RootElement;
        long Get(string name) => r.GetProperty(name).GetInt64();
        return new WrkResult(
            Get("requests"), Get("duration_us") / 1e6, Get("status"), Get("connect") + Get("read") + Get("write") + Get("timeout"),
            Get("p50_us") / 1000.0, Get("p90_us") / 1000.0, Get("p99_us") / 1000.0, text);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
