using System.Text.Json;
using System.Text.Json.Serialization;

namespace IdP.Bench.Suite;

/// <summary>One row of the table: a scenario on one server and one database.</summary>
public sealed record ScenarioResult
{
    /// <summary>The letter: a, b, c, d, e, f, g, h; the peer's rows and the growth rows reuse it.</summary>
    public required string Id { get; init; }

    public required string Scenario { get; init; }

    public required string Server { get; init; }

    /// <summary>small (the everyday bench database) or growth (1,000,000 users …).</summary>
    public string Database { get; init; } = "small";

    public double PerSecond { get; init; }

    /// <summary>req/s, or sign-ins/s for (c), whose unit is a whole seven-request sign-in.</summary>
    public string Unit { get; init; } = "req/s";

    public double P50Ms { get; init; }

    public double P99Ms { get; init; }

    public long Completed { get; init; }

    /// <summary>Non-2xx answers (wrk: 4xx and 5xx) plus socket errors and timeouts; for (c), failed sign-ins.</summary>
    public long Errors { get; init; }

    public string? ErrorDetail { get; init; }

    /// <summary>The server's peak resident memory during this row (VmHWM, reset before the row), MiB.</summary>
    public double PeakRssMb { get; init; }

    public int Concurrency { get; init; }

    public string Connection { get; init; } = "keep-alive";

    public string Key { get; init; } = "—";

    public string ClientAuthentication { get; init; } = "—";

    public string TokensStored { get; init; } = "—";

    public string SqliteSync { get; init; } = "—";

    public string Tls { get; init; } = "no";

    /// <summary>
    /// The share of the server's core that .NET's background tiered compiler used during the measured run, in percent
    /// (<see cref="Hosting.PinnedProcess.TieredCompilationCpuSeconds"/>); near zero at steady state, null for the peer.
    /// </summary>
    public double? JitCpuPercent { get; init; }

    /// <summary>
    /// The server's use of its core over the measured run(s), all threads, in percent: under 100 means the server
    /// waited for something rather than worked (<see cref="Hosting.PinnedProcess.CpuSeconds"/>).
    /// </summary>
    public double? ServerCpuPercent { get; init; }

    /// <summary>
    /// (c) on the small database: the password floor measured right before and right after each window of sign-ins,
    /// in window order (two per window), with the server idle.
    /// </summary>
    public List<Floors>? AdjacentFloors { get; init; }

    /// <summary>
    /// (c) as a share of the password floor: each window against the faster of the two floors measured right around
    /// it, then the mean over the windows. A window in a slow phase of the machine is thus compared with a floor from
    /// the same phase. Without adjacent floors, the run's floor.
    /// </summary>
    public double ShareOfPasswordFloor(Floors runFloors)
    {
        if (AdjacentFloors is not { Count: > 0 } floors)
        {
            return PerSecond / runFloors.PasswordChecksPerSecond;
        }

        var windows = RunsPerSecond is { Count: > 0 } runs ? runs : [PerSecond];
        return windows.Select((rate, i) => rate / Math.Max(floors[2 * i].PasswordChecksPerSecond, floors[2 * i + 1].PasswordChecksPerSecond)).Average();
    }

    /// <summary>Each window's throughput when the row was measured in both passes (the row shows their mean); null otherwise.</summary>
    public List<double>? RunsPerSecond { get; init; }
}

/// <summary>How long one IdP start was warmed up, and the JIT's share of the core in the last warm-up round.</summary>
public sealed record ServerWarmup(string Server, double Seconds, double LastRoundJitPercent, bool Settled);

/// <summary>Everything one run measured; saved as bench/results/latest.json so the report can be redrawn.</summary>
public sealed record SuiteResult
{
    public required MachineInfo Machine { get; init; }

    /// <summary>The faster of <see cref="FloorRuns"/>, each floor on its own.</summary>
    public required Floors Floors { get; init; }

    /// <summary>The floors as measured at the start of the run and again at its end.</summary>
    public List<Floors> FloorRuns { get; init; } = [];

    public int DurationSeconds { get; init; }

    public int WarmupSeconds { get; init; }

    public int Connections { get; init; }

    public int SignInConcurrency { get; init; }

    public int PoolUsers { get; init; }

    public int MappedUsers { get; init; }

    /// <summary>Process start to the first 200 from /health/ready on a migrated database, each start, ms.</summary>
    public List<double> ReadyMs { get; init; } = [];

    /// <summary>IdP's resident memory 3 s after it became ready, before any load, MiB.</summary>
    public double IdleRssMb { get; init; }

    /// <summary>IdP's resident memory 3 s after the last scenario, MiB.</summary>
    public double IdleAfterLoadRssMb { get; init; }

    public List<ScenarioResult> Rows { get; init; } = [];

    /// <summary>Rows counts of the growth database, when the growth run ran.</summary>
    public GrowthDatabase? Growth { get; init; }

    public List<string> Notes { get; init; } = [];

    /// <summary>Each IdP start's warm-up, in order: the small database, then the growth database.</summary>
    public List<ServerWarmup> Warmups { get; init; } = [];

    public double ReadyMedianMs => Median(ReadyMs);

    /// <summary>IdP's largest VmHWM over the whole suite: every start, warm-ups and idle time included, MiB.</summary>
    public double IdpPeakRssMb { get; init; }

    public ScenarioResult? Row(string id, string server = Servers.Idp, string database = "small")
        => Rows.FirstOrDefault(r => r.Id == id && r.Server == server && r.Database == database);

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static SuiteResult FromJson(string json) => JsonSerializer.Deserialize<SuiteResult>(json, JsonOptions) ?? throw new BenchException("Empty results file.");
}

/// <summary>What the growth database held, and how long generating it took.</summary>
public sealed record GrowthDatabase(long Users, long Mappings, long Clients, double SeedSeconds, double SizeMb, List<double> ReadyMs, double IdleRssMb);

public static class Servers
{
    public const string Idp = "IdP";
    public const string Peer = "node-oidc-provider";
    public const string Empty = "ASP.NET Core, empty endpoint";
}
