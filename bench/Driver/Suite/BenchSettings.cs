using System.Globalization;

namespace IdP.Bench.Suite;

/// <summary>
/// What a run does and for how long, from environment variables (all optional). docs/benchmarks.md lists them;
/// <c>bench/run.sh --quick</c> sets the short ones for a smoke run of about a minute.
/// </summary>
public sealed record BenchSettings
{
    /// <summary>The repository root: the IdP build, bench/ and docs/ are found from it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Measured seconds per scenario (<c>BENCH_DURATION</c>).</summary>
    public int DurationSeconds { get; init; } = 20;

    /// <summary>A sign-in takes up to a second under load: (c) is measured for at least 10 s, even in a quick run.</summary>
    public int SignInDurationSeconds => Math.Max(DurationSeconds, 10);

    /// <summary>Warm-up seconds before each measured run, not counted (<c>BENCH_WARMUP</c>).</summary>
    public int WarmupSeconds { get; init; } = 5;

    /// <summary>
    /// Seconds of mixed load, with pauses, after each IdP start and before its first scenario, for .NET's tiered
    /// compilation to finish (<c>BENCH_SERVER_WARMUP</c>); the peer and the empty endpoint get at most 10 s.
    /// </summary>
    public int ServerWarmupSeconds { get; init; } = 60;

    /// <summary>
    /// After <see cref="ServerWarmupSeconds"/>, IdP's warm-up goes on, round after round, until the JIT has settled: its
    /// background tiered-compilation thread used under 2% of a round. This bounds it (<c>BENCH_SERVER_WARMUP_MAX</c>).
    /// A server that is still re-compiling its hot methods shares its one core with the JIT, and would be measured
    /// below its steady state.
    /// </summary>
    public int ServerWarmupMaxSeconds { get; init; } = 420;

    /// <summary>Open connections for the wrk scenarios (<c>BENCH_CONNECTIONS</c>).</summary>
    public int Connections { get; init; } = 16;

    /// <summary>wrk threads; all run on the generator's one core (<c>BENCH_WRK_THREADS</c>).</summary>
    public int WrkThreads { get; init; } = 1;

    /// <summary>Concurrent virtual users in the sign-in scenario (c) (<c>BENCH_SIGNIN_USERS</c>).</summary>
    public int SignInConcurrency { get; init; } = 8;

    /// <summary>Seconds per floor micro-benchmark (<c>BENCH_FLOOR_SECONDS</c>).</summary>
    public int FloorSeconds { get; init; } = 5;

    /// <summary>Pre-created users for scenario (c), each signed in at most once per TOTP step (<c>BENCH_POOL_USERS</c>).</summary>
    public int PoolUsers { get; init; } = 8000;

    /// <summary>Pool users with a mapping, whose ids the mapper scenario (f) cycles through (<c>BENCH_MAPPED_USERS</c>).</summary>
    public int MappedUsers { get; init; } = 1000;

    /// <summary>Server starts timed to /health/ready; the median is reported (<c>BENCH_READY_RUNS</c>).</summary>
    public int ReadyRuns { get; init; } = 3;

    /// <summary>Also run (a), (c) and (f) on a large database (<c>BENCH_GROWTH=1</c> or <c>run.sh --growth</c>).</summary>
    public bool Growth { get; init; }

    public int GrowthUsers { get; init; } = 1_000_000;

    public int GrowthMappings { get; init; } = 100_000;

    public int GrowthClients { get; init; } = 1_000;

    /// <summary>
    /// The scenarios to run, by letter (<c>BENCH_SCENARIOS=a,b,f</c>); all by default. The peer runs with (a) or (b),
    /// the empty endpoint with (f) or (h).
    /// </summary>
    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(["a", "b", "c", "d", "e", "f", "g", "h"]);

    public bool Runs(string scenario) => Scenarios.Contains(scenario);

    /// <summary>A run of some scenarios only: it leaves docs/benchmarks.md alone unless BENCH_OUTPUT names a file.</summary>
    public bool IsPartial => Scenarios.Count < 8 && !OutputChosen;

    public bool OutputChosen { get; init; }

    /// <summary>
    /// IdP scenarios to profile (<c>BENCH_PROFILE=a,f</c>; <c>run.sh --profile</c>): after the measured run, one more
    /// run under <c>dotnet-trace</c> (not counted), whose hottest methods go to bench/results/profile-*.txt.
    /// </summary>
    public IReadOnlySet<string> Profile { get; init; } = new HashSet<string>();

    /// <summary>The dotnet-trace executable (<c>BENCH_DOTNET_TRACE</c>; run.sh installs one in bench/.tools).</summary>
    public string DotnetTrace { get; init; } = "dotnet-trace";

    public string ResultsDirectory => Path.Combine(BenchDirectory, "results");

    /// <summary>Keep the temporary folder (databases, server logs, wrk output) for inspection (<c>BENCH_KEEP=1</c>).</summary>
    public bool KeepWorkDirectory { get; init; }

    /// <summary>Where the report goes (<c>BENCH_OUTPUT</c>, default docs/benchmarks.md).</summary>
    public required string OutputPath { get; init; }

    /// <summary>
    /// Extra IdP settings for experiments: <c>BENCH_IDP_Logging__LogLevel__Default=Warning</c> passes
    /// <c>Logging__LogLevel__Default=Warning</c> to the server (and to its command line).
    /// </summary>
    public IReadOnlyDictionary<string, string> ServerOverrides { get; init; } = new Dictionary<string, string>();

    public string BenchDirectory => Path.Combine(RepositoryRoot, "bench");

    /// <summary>IdP as deployed: published with ReadyToRun by <c>bench/run.sh</c> (docs/deployment.md).</summary>
    public string IdpServerDll => Path.Combine(RepositoryRoot, "src", "IdP.Server", "bin", "bench-publish", "IdP.Server.dll");

    public string EmptyEndpointDll => Path.Combine(BenchDirectory, "EmptyEndpoint", "bin", "Release", "net10.0", "EmptyEndpoint.dll");

    public string PeerDirectory => Path.Combine(BenchDirectory, "peer");

    public string WrkDirectory => Path.Combine(BenchDirectory, "wrk");

    public string TemplatePath => Path.Combine(BenchDirectory, "benchmarks.template.md");

    public string ResultsPath => Path.Combine(ResultsDirectory, IsPartial ? "partial.json" : "latest.json");

    public static BenchSettings FromEnvironment(string repositoryRoot)
    {
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith("BENCH_IDP_", StringComparison.Ordinal))
            {
                overrides[name["BENCH_IDP_".Length..]] = (string?)entry.Value ?? "";
            }
        }

        var output = Environment.GetEnvironmentVariable("BENCH_OUTPUT");
        return new BenchSettings
        {
            RepositoryRoot = repositoryRoot,
            DurationSeconds = Integer("BENCH_DURATION", 20, 1),
            WarmupSeconds = Integer("BENCH_WARMUP", 5, 0),
            ServerWarmupSeconds = Integer("BENCH_SERVER_WARMUP", 60, 0),
            ServerWarmupMaxSeconds = Integer("BENCH_SERVER_WARMUP_MAX", 420, 0),
            Connections = Integer("BENCH_CONNECTIONS", 16, 1),
            WrkThreads = Integer("BENCH_WRK_THREADS", 1, 1),
            SignInConcurrency = Integer("BENCH_SIGNIN_USERS", 8, 1),
            FloorSeconds = Integer("BENCH_FLOOR_SECONDS", 5, 1),
            PoolUsers = Integer("BENCH_POOL_USERS", 8000, 10),
            // Mapped users come from the pool.
            MappedUsers = Math.Min(Integer("BENCH_MAPPED_USERS", 1000, 1), Integer("BENCH_POOL_USERS", 8000, 10)),
            ReadyRuns = Integer("BENCH_READY_RUNS", 3, 1),
            Growth = Environment.GetEnvironmentVariable("BENCH_GROWTH") is "1" or "true" or "yes",
            GrowthUsers = Integer("BENCH_GROWTH_USERS", 1_000_000, 1),
            GrowthMappings = Integer("BENCH_GROWTH_MAPPINGS", 100_000, 0),
            GrowthClients = Integer("BENCH_GROWTH_CLIENTS", 1_000, 0),
            Scenarios = Environment.GetEnvironmentVariable("BENCH_SCENARIOS") is { Length: > 0 } list
                ? new HashSet<string>(list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal)
                : new HashSet<string>(["a", "b", "c", "d", "e", "f", "g", "h"], StringComparer.Ordinal),
            Profile = Environment.GetEnvironmentVariable("BENCH_PROFILE") is { Length: > 0 } profile
                ? new HashSet<string>(profile.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal)
                : new HashSet<string>(StringComparer.Ordinal),
            DotnetTrace = Environment.GetEnvironmentVariable("BENCH_DOTNET_TRACE") is { Length: > 0 } trace ? trace : "dotnet-trace",
            KeepWorkDirectory = Environment.GetEnvironmentVariable("BENCH_KEEP") is "1" or "true" or "yes",
            OutputChosen = !string.IsNullOrEmpty(output),
            OutputPath = string.IsNullOrEmpty(output) ? Path.Combine(repositoryRoot, "docs", "benchmarks.md") : Path.GetFullPath(output),
            ServerOverrides = overrides,
        };
    }

    private static int Integer(string name, int fallback, int minimum)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum)
        {
            throw new BenchException($"{name}={text}: expected a whole number of at least {minimum}.");
        }

        return value;
    }
}

/// <summary>A failure of the bench itself (bad setting, a server that does not start): reported in one line.</summary>
public sealed class BenchException(string message) : Exception(message);
