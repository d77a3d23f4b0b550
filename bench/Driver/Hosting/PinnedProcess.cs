using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace IdP.Bench.Hosting;

/// <summary>
/// A server under test: a child process pinned to one core with <c>taskset</c>, its output sent straight to a log
/// file (never through a pipe to this process, which shares the load generator's core). Reads the server's memory
/// from <c>/proc/PID/status</c>.
/// </summary>
public sealed class PinnedProcess : IAsyncDisposable
{
    private readonly Process _process;

    private PinnedProcess(Process process, string name, Uri baseAddress, string logPath, Stopwatch sinceStart)
    {
        _process = process;
        Name = name;
        BaseAddress = baseAddress;
        LogPath = logPath;
        SinceStart = sinceStart;
    }

    public string Name { get; }

    /// <summary>The server's root URL, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>Started just before the process, for the ready time.</summary>
    public Stopwatch SinceStart { get; }

    /// <summary>Starts <paramref name="command"/> on <paramref name="cpu"/>; <c>sh</c> and <c>taskset</c> exec, so the PID is the server's.</summary>
    public static PinnedProcess Start(
        string name, int cpu, Uri baseAddress, string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        string logPath, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec taskset -c \"$BENCH_CPU\" \"$0\" \"$@\" > \"$BENCH_LOG\" 2>&1");
        start.ArgumentList.Add(command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["BENCH_CPU"] = cpu.ToString(CultureInfo.InvariantCulture);
        start.Environment["BENCH_LOG"] = logPath;
        var clock = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new Suite.BenchException($"Could not start {name}.");
        return new PinnedProcess(process, name, baseAddress, logPath, clock);
    }

    /// <summary>Polls <paramref name="path"/> until it answers 200; returns the time since the process started.</summary>
    public async Task<TimeSpan> WaitUntilReadyAsync(string path, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var url = new Uri(BaseAddress, path);
        while (SinceStart.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new Suite.BenchException($"{Name} exited with code {_process.ExitCode} before it was ready; see {LogPath}:\n{Tail()}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return SinceStart.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(10);
        }

        throw new Suite.BenchException($"{Name} was not ready within {timeout}; see {LogPath}:\n{Tail()}");
    }

    /// <summary>Resident memory now, in MiB (VmRSS).</summary>
    public double RssMb() => StatusKb("VmRSS:") / 1024.0;

    /// <summary>Peak resident memory since start or since <see cref="ResetPeak"/>, in MiB (VmHWM).</summary>
    public double PeakRssMb() => StatusKb("VmHWM:") / 1024.0;

    /// <summary>The largest VmHWM seen over the process's life, across <see cref="ResetPeak"/> calls, in MiB.</summary>
    public double LifetimePeakRssMb => Math.Max(_lifetimePeakMb, PeakRssMb());

    private double _lifetimePeakMb;

    /// <summary>Starts a new peak (proc(5): writing 5 to clear_refs resets VmHWM to the current RSS). False if not allowed.</summary>
    public bool ResetPeak()
    {
        _lifetimePeakMb = LifetimePeakRssMb;
        try
        {
            File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// CPU time, in seconds, of the runtime's background tiered-compilation thread (named ".NET Tiered Com" in
    /// <c>/proc/PID/task/TID/comm</c>): the JIT re-compiling hot methods at tier 1. Read from /proc, so watching it
    /// costs the server nothing. The runtime ends that thread when it has been idle for a while and starts a new one
    /// when needed, so each thread's last reading is kept: the figure never goes down.
    /// </summary>
    public double TieredCompilationCpuSeconds()
    {
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{Pid}/task"))
            {
                try
                {
                    if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    // proc(5), /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, counted after the
                    // command name, which is in parentheses and may itself hold spaces.
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    _tieringTicks[Path.GetFileName(task)] =
                        long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The thread ended between listing and reading.
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process has exited.
        }

        // USER_HZ is 100 on Linux for every architecture .NET runs on.
        return _tieringTicks.Values.Sum() / 100.0;
    }

    private readonly Dictionary<string, long> _tieringTicks = new(StringComparer.Ordinal);

    /// <summary>
    /// CPU time, in seconds, the whole process has used (user and system, every thread): proc(5), /proc/PID/stat
    /// fields 14 and 15. Compared with the wall-clock time of a run, it says whether the server's core was saturated;
    /// an unsaturated core means the server waited (on locks, sleeps or the load generator) rather than worked.
    /// </summary>
    public double CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            _lastCpuTicks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // The process has exited: its last reading stands.
        }

        return _lastCpuTicks / 100.0;
    }

    private long _lastCpuTicks;

    private long StatusKb(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process has exited.
        }

        return 0;
    }

    /// <summary>SIGTERM, as a service manager stops a server; SIGKILL if it has not exited within 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        _lifetimePeakMb = LifetimePeakRssMb;

        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>The end of the server's log, for error messages.</summary>
    public string Tail(int lines = 20)
        => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no log)";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        // The JIT's symbol maps for perf (DOTNET_PerfMapEnabled), if the bench asked for them.
        foreach (var map in (string[])[$"/tmp/perf-{Pid}.map", $"/tmp/perfinfo-{Pid}.map"])
        {
            File.Delete(map);
        }

        _process.Dispose();
    }

    /// <summary>A free loopback port.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Polls a server's resident memory while a scenario runs, in case VmHWM cannot be reset.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private double _max;

    public MemorySampler(PinnedProcess server)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                _max = Math.Max(_max, server.RssMb());
                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public async Task<double> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return _max;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
