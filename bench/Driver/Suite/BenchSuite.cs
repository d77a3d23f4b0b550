using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using IdP.Bench.Data;
using IdP.Bench.Hosting;
using IdP.Bench.SignIn;

namespace IdP.Bench.Suite;

/// <summary>
/// The whole suite, in one run: the floors, IdP through every scenario, node-oidc-provider through (a) and (b) right
/// after it on the same core, the empty ASP.NET Core endpoint, and (opt-in) IdP again on the growth database.
/// This process and wrk run on core 1; every server and the floors run on core 0.
/// </summary>
public sealed class BenchSuite(BenchSettings settings)
{
    public const int ServerCpu = 0;

    /// <summary>Gateway cookies cycled by the mapper's unmeasured requests.</summary>
    private const int WarmupCookies = 2000;

    private const string Password = "Bench-Passw0rd!";
    private const string Registry = "ldaps://bench.example";
    private const string PoolPrefix = "bench-u";
    private const string TemplateUser = "bench-template";
    private const string ServiceClientId = "bench-cc";
    private const string WebClientId = "bench-web";
    private const string RedirectUri = "http://127.0.0.1:9/callback";
    private const string ApiScope = "api";

    private readonly List<string> _notes = [];

    /// <summary>Servers, clients and files kept until the second pass is over (see <see cref="RunSecondPassAsync"/>).</summary>
    private readonly List<IAsyncDisposable> _keptAlive = [];

    /// <summary>The paired rows measured in the first pass, each with how to measure it once more.</summary>
    private readonly List<(ScenarioResult First, Func<Task<ScenarioResult>> Again)> _secondPass = [];
    private readonly List<ServerWarmup> _warmups = [];
    private string _work = "";

    /// <summary>The cookies of the last measured run of (f), deleted when the next run's are minted.</summary>
    private string? _freshCookies;
    private Wrk _wrk = null!;

    public async Task<SuiteResult> RunAsync()
    {
        var machine = await MachineInfo.ReadAsync();
        if (machine.Cores < 2)
        {
            throw new BenchException("The suite needs two cores: the servers run on core 0, the load generator on core 1.");
        }

        _work = Directory.CreateTempSubdirectory("idp-bench-").FullName;
        _wrk = new Wrk(settings, _work);
        Say($"Working in {_work}; {machine.Describe()}; load average {machine.LoadBefore}");
        var keep = settings.KeepWorkDirectory;
        try
        {
            return await RunInAsync(machine);
        }
        catch
        {
            // The error names a server log in the folder: keep it to be read.
            keep = true;
            throw;
        }
        finally
        {
            if (keep)
            {
                Say($"Kept {_work}");
            }
            else
            {
                Directory.Delete(_work, recursive: true);
            }
        }
    }

    private async Task<SuiteResult> RunInAsync(MachineInfo machine)
    {
        Say($"Floors: one RSA-2048 signature and one password check, {settings.FloorSeconds} s each, on core {ServerCpu}");
        var floors = await MeasureFloorsAsync();

        await using var gateway = new GatewayKeyServer();
        await gateway.StartAsync();

        var smallDirectory = Directory.CreateDirectory(Path.Combine(_work, "idp-small")).FullName;
        var port = PinnedProcess.FreePort();
        var data = await PrepareDatabaseAsync(IdpEnvironment(port, smallDirectory, gateway.JwksUrl), smallDirectory);
        string? growthDirectory = null;
        if (settings.Growth)
        {
            growthDirectory = Directory.CreateDirectory(Path.Combine(_work, "idp-growth")).FullName;
            File.Copy(Path.Combine(smallDirectory, "idp.db"), Path.Combine(growthDirectory, "idp.db"));
        }

        try
        {
            return await RunServersAsync(machine, floors, gateway, data, port, smallDirectory, growthDirectory);
        }
        finally
        {
            foreach (var kept in Enumerable.Reverse(_keptAlive))
            {
                await kept.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Every server in turn, each kept running once started: IdP on the small database, node-oidc-provider, the empty
    /// endpoint and (opt-in) IdP on the growth database. Then the second pass measures the rows that ratios compare
    /// once more, in the reverse order.
    /// </summary>
    private async Task<SuiteResult> RunServersAsync(
        MachineInfo machine, Floors floors, GatewayKeyServer gateway, BenchData data, int port, string smallDirectory, string? growthDirectory)
    {
        var rows = new List<ScenarioResult>();
        // Cookies for the unmeasured mapper requests (server warm-ups, the probe, the empty endpoint), cycled; each
        // measured run of (f) gets cookies of its own, each sent once (FreshCookiesJobAsync).
        var warmupCookies = await gateway.MintCookiesAsync(WarmupCookies, Path.Combine(_work, "mapper-cookies-warmup.txt"));

        // IdP on the small database.
        var (idp, readyMs) = await StartIdpAsync(port, smallDirectory, gateway.JwksUrl, "idp-small");
        _keptAlive.Add(idp);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idleRss = idp.RssMb();
        Say(string.Create(CultureInfo.InvariantCulture,
            $"IdP ready in {string.Join(", ", readyMs.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} ms; idle RSS {idleRss:F0} MiB"));
        var pool = new UserPool([.. Enumerable.Range(1, settings.PoolUsers).Select(i => BenchDatabase.UserName(PoolPrefix, i))]);
        rows.AddRange(await RunIdpScenariosAsync(idp, data, pool, gateway, warmupCookies, "small", all: true));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idleAfter = idp.RssMb();

        // The peer, right after IdP, on the same core.
        if (settings.Runs("a") || settings.Runs("b"))
        {
            rows.AddRange(await RunPeerAsync(data));
        }

        // The framework's ceiling: the same request as the mapper's, to an endpoint that does nothing.
        if (settings.Runs("f") || settings.Runs("h"))
        {
            rows.Add(await RunEmptyEndpointAsync(data, warmupCookies));
        }

        GrowthDatabase? growth = null;
        PinnedProcess? growthIdp = null;
        if (growthDirectory is not null)
        {
            (growth, var growthRows, growthIdp) = await RunGrowthAsync(growthDirectory, gateway, data, warmupCookies);
            rows.AddRange(growthRows);
        }

        await RunSecondPassAsync(rows);
        var idpPeak = Math.Max(idp.LifetimePeakRssMb, growthIdp?.LifetimePeakRssMb ?? 0);
        if (pool.Reused > 0)
        {
            _notes.Add($"The sign-in pool ({pool.Count} users) ran out: {pool.Reused} sign-ins reused a user (never within one TOTP step). Raise BENCH_POOL_USERS.");
        }

        // A floor is a lower bound: anything else running on the machine can only make it look slower, and a slow
        // floor would flatter every ratio against it. So it is measured again at the end, and the faster counts.
        Say($"Floors again, at the end of the run (the faster of the two counts)");
        var again = await MeasureFloorsAsync();
        return new SuiteResult
        {
            Machine = machine with { LoadAfter = await MachineInfo.LoadAverageAsync() },
            Floors = new Floors(Math.Max(floors.SignaturesPerSecond, again.SignaturesPerSecond),
                Math.Max(floors.PasswordChecksPerSecond, again.PasswordChecksPerSecond)),
            FloorRuns = [floors, again],
            DurationSeconds = settings.DurationSeconds,
            WarmupSeconds = settings.WarmupSeconds,
            Connections = settings.Connections,
            SignInConcurrency = settings.SignInConcurrency,
            PoolUsers = settings.PoolUsers,
            MappedUsers = settings.MappedUsers,
            ReadyMs = readyMs,
            IdleRssMb = idleRss,
            IdleAfterLoadRssMb = idleAfter,
            IdpPeakRssMb = idpPeak,
            Rows = rows,
            Growth = growth,
            Notes = _notes,
            Warmups = _warmups,
        };
    }

    /// <summary>
    /// The rows that ratios compare ((a) and (b) against the peer, (f) against (h), the growth rows against the small
    /// database, (c) against its floor) are measured twice, and each row is the mean of its two windows. The second
    /// windows are taken in the reverse order of the first (an A-B-B-A design): this shared machine's speed drifts by a
    /// third within a run, and measuring IdP at its start and the peer minutes later would let the drift decide the
    /// ratio. Every server is still running, idle, so nothing is restarted or warmed up from scratch.
    /// </summary>
    private async Task RunSecondPassAsync(List<ScenarioResult> rows)
    {
        if (_secondPass.Count == 0)
        {
            return;
        }

        Say($"Second pass: {_secondPass.Count} paired rows again, in the reverse order");
        foreach (var (first, again) in Enumerable.Reverse(_secondPass).ToList())
        {
            var second = await again();
            var index = rows.FindIndex(row => ReferenceEquals(row, first));
            rows[index] = Combine(first, second);
        }
    }

    /// <summary>
    /// One row from its two windows: the mean throughput (with the windows in A-B-B-A order, a steady drift then moves
    /// both sides of a ratio alike), the mean p50, the worse p99, the errors of both, and for (c) the floors around both.
    /// </summary>
    private static ScenarioResult Combine(ScenarioResult first, ScenarioResult second) => first with
    {
        PerSecond = (first.PerSecond + second.PerSecond) / 2,
        P50Ms = (first.P50Ms + second.P50Ms) / 2,
        P99Ms = Math.Max(first.P99Ms, second.P99Ms),
        Completed = first.Completed + second.Completed,
        RunsPerSecond = [first.PerSecond, second.PerSecond],
        Errors = first.Errors + second.Errors,
        ErrorDetail = first.ErrorDetail ?? second.ErrorDetail,
        PeakRssMb = Math.Max(first.PeakRssMb, second.PeakRssMb),
        JitCpuPercent = first.JitCpuPercent is { } jit ? Math.Max(jit, second.JitCpuPercent ?? 0) : null,
        ServerCpuPercent = ((first.ServerCpuPercent ?? 0) + (second.ServerCpuPercent ?? 0)) / 2,
        AdjacentFloors = first.AdjacentFloors is null ? null : [.. first.AdjacentFloors, .. second.AdjacentFloors ?? []],
    };

    /// <summary>What the setup created and the scenarios need.</summary>
    private sealed record BenchData(
        string ServiceSecret, WebClient Web, byte[] TotpSeed, IReadOnlyList<string> MappedIds, string KeyDescription, string SqliteSync);

    /// <summary>
    /// Creates the database with IdP's own command line (migrations, keys, the API scope, the two clients, the template
    /// user and its TOTP token, the mappings), then copies the template user into the sign-in pool.
    /// </summary>
    private async Task<BenchData> PrepareDatabaseAsync(IReadOnlyDictionary<string, string> environment, string directory)
    {
        Say("Database: IdP's command line creates the scope, clients, template user and keys");
        var cli = new IdpCommandLine(settings.IdpServerDll, environment);
        await cli.RunAsync(null, "scopes", "add", ApiScope, "--resource", "bench-api");
        var service = await cli.RunAsync(null, "clients", "add", ServiceClientId, "--confidential", "--grant", "client_credentials", "--scope", ApiScope);
        var web = await cli.RunAsync(null, "clients", "add", WebClientId, "--confidential", "--grant", "authorization_code", "--grant", "refresh_token",
            "--redirect-uri", RedirectUri, "--scope", "openid", "profile", "offline_access");
        await cli.RunAsync(Password, "users", "add", TemplateUser);
        var (seed, base32) = Totp.NewSeed();
        await cli.RunAsync(base32, "users", "totp-import", TemplateUser, "--secret-stdin");
        var keys = await cli.RunAsync(null, "keys", "list");
        var signing = keys.EnumerateArray().First(k => k.GetProperty("use").GetString() == "sig" && k.GetProperty("state").GetString() == "active");

        Say($"Database: {settings.PoolUsers} sign-in pool users (copies of the template), {settings.MappedUsers} of them mapped");
        var path = Path.Combine(directory, "idp.db");
        using (var db = new BenchDatabase(path))
        {
            db.CloneUsers(TemplateUser, PoolPrefix, 1, settings.PoolUsers);
            db.Checkpoint();
        }

        // The mappings go through IdP's own import, which checks every row.
        var csv = new StringBuilder("kind,subject,registry,userid\n");
        for (var i = 1; i <= settings.MappedUsers; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"user,{BenchDatabase.UserName(PoolPrefix, i)},{Registry},{BenchDatabase.MainframeUserId('P', i)}\n");
        }

        var csvPath = Path.Combine(_work, "mappings.csv");
        await File.WriteAllTextAsync(csvPath, csv.ToString());
        await cli.RunAsync(null, "mappings", "import", csvPath);

        IReadOnlyList<string> mappedIds;
        using (var db = new BenchDatabase(path))
        {
            mappedIds = db.UserIds(PoolPrefix, 1, settings.MappedUsers);
            db.Checkpoint();
        }

        var sync = environment.GetValueOrDefault("Database__SqliteSynchronous", "Normal").ToUpperInvariant();
        return new BenchData(
            service.GetProperty("secret").GetString()!,
            new WebClient(WebClientId, web.GetProperty("secret").GetString()!, RedirectUri),
            seed, mappedIds,
            $"{signing.GetProperty("algorithm").GetString()} RSA-{signing.GetProperty("keySize").GetInt32()}",
            sync);
    }

    /// <summary>
    /// IdP's settings for the bench: Production, plain HTTP on 127.0.0.1, rate limits out of the way. The issuer names
    /// the same port as <c>localhost</c>: the passkey relying party ID derives from it and cannot be an IP address.
    /// </summary>
    private Dictionary<string, string> IdpEnvironment(int port, string dataDirectory, string gatewayJwksUrl)
    {
        var issuer = new Uri($"http://localhost:{port.ToString(CultureInfo.InvariantCulture)}/");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = LoopbackUri(port).ToString().TrimEnd('/'),
            ["DOTNET_NOLOGO"] = "1",
            ["Server__Issuer"] = issuer.ToString(),
            ["Server__RequireHttps"] = "false",
            ["Database__DataDirectory"] = dataDirectory,
            ["Mainframe__Mapper__GatewayJwksUrls__0"] = gatewayJwksUrl,
        };

        // One client IP and a few accounts make all the load: limits far above what one core can serve. The mapper
        // keeps its shipped limits, as the gateway must: a gateway whose cookie verified is not limited per IP.
        foreach (var group in (string[])["Login", "SecondFactor", "Token", "DeviceVerification"])
        {
            environment[$"RateLimits__{group}__PermitLimitPerIp"] = "1000000000";
            environment[$"RateLimits__{group}__PermitLimitPerAccount"] = "1000000000";
        }

        foreach (var (key, value) in settings.ServerOverrides)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Starts IdP <see cref="BenchSettings.ReadyRuns"/> times, timing each to /health/ready; the last one keeps running.</summary>
    private async Task<(PinnedProcess Server, List<double> ReadyMs)> StartIdpAsync(int port, string directory, string jwksUrl, string name)
    {
        var environment = IdpEnvironment(port, directory, jwksUrl);
        var address = LoopbackUri(port);

        // Profiling with perf needs the JIT's symbol map (/tmp/perf-PID.map, removed when the server stops), and
        // jitted code in anonymous memory where perf looks the map up (with W^X it sits in a memfd mapping perf cannot
        // name). Both change the numbers a little: a profiled run is for reading profiles, not for the reference table.
        if (settings.Profile.Count > 0)
        {
            environment["DOTNET_PerfMapEnabled"] = "1";
            environment["DOTNET_EnableWriteXorExecute"] = "0";
        }
        var ready = new List<double>();
        for (var run = 1; ; run++)
        {
            var server = PinnedProcess.Start(Servers.Idp, ServerCpu, address, "dotnet", [settings.IdpServerDll], environment,
                Path.Combine(_work, $"{name}-{run}.log"));
            try
            {
                ready.Add((await server.WaitUntilReadyAsync("health/ready", TimeSpan.FromSeconds(120))).TotalMilliseconds);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }

            if (run >= settings.ReadyRuns)
            {
                return (server, ready);
            }

            await server.DisposeAsync();
        }
    }

    private async Task<List<ScenarioResult>> RunIdpScenariosAsync(
        PinnedProcess idp, BenchData data, UserPool pool, GatewayKeyServer gateway, string warmupCookies, string database, bool all)
    {
        var rows = new List<ScenarioResult>();
        var serviceAuthorization = "Authorization: Basic " + Basic(ServiceClientId, data.ServiceSecret);
        var idpTraits = new ScenarioResult
        {
            Id = "", Scenario = "", Server = Servers.Idp, Database = database, Key = data.KeyDescription, SqliteSync = data.SqliteSync,
            Tls = "no (HTTP on loopback)",
        };

        var clientCredentials = TokenJob(idp.BaseAddress, "connect/token", serviceAuthorization);
        var http = SignInHttpClient();
        _keptAlive.Add(new DisposeLater(http));
        var flow = new SignInFlow(http, idp.BaseAddress, data.Web, Password, data.TotpSeed);
        var accessToken = await ClientCredentialsTokenAsync(http, idp.BaseAddress, data.ServiceSecret);
        var introspection = new WrkJob(new Uri(idp.BaseAddress, "connect/introspect"), "request.lua",
            ["POST", "/connect/introspect", await BodyFileAsync("introspect.txt", [$"token={accessToken}&token_type_hint=access_token"]),
                "Content-Type: application/x-www-form-urlencoded", serviceAuthorization]);
        var mapper = await MapperJobAsync(idp.BaseAddress, "zss/api/v1/certificate/dn", data.MappedIds, warmupCookies);
        var jwks = GetJob(idp.BaseAddress, ".well-known/jwks");
        var discovery = GetJob(idp.BaseAddress, ".well-known/openid-configuration");
        var live = GetJob(idp.BaseAddress, "health/live");

        await WarmUpServerAsync(idp, [clientCredentials, introspection, mapper, jwks, discovery, live], flow, pool);

        // (a), (f) and (c) first, right after the warm-up on both databases: the growth comparison then compares like
        // with like.
        if (settings.Runs("a"))
        {
            rows.Add(await RunWrkScenarioAsync(idp, clientCredentials, idpTraits with
            {
                Id = "a", Scenario = "Client credentials, RS256 JWT, keep-alive", ClientAuthentication = "client_secret_basic", TokensStored = "no",
            }));
        }

        if (settings.Runs("f"))
        {
            rows.Add(await RunWrkScenarioAsync(idp, mapper, idpTraits with
            {
                Id = "f", Scenario = $"ZSS mapper, a fresh gateway cookie JWT per request, {data.MappedIds.Count} mapped ids in turn",
                ClientAuthentication = "gateway cookie JWT (RS256, no kid, one per request)", TokensStored = "—",
            }, measured: warm => FreshCookiesJobAsync(mapper, gateway, warm)));
        }

        if (settings.Runs("c"))
        {
            rows.Add(await RunSignInScenarioAsync(idp, flow, pool, idpTraits with
            {
                Id = "c", Scenario = "Browser sign-in: password + TOTP → code → token (7 requests)", Unit = "sign-ins/s",
                ClientAuthentication = "client_secret_basic (code redemption)", TokensStored = "yes (code, refresh, access token rows)",
            }));
        }

        if (all && settings.Runs("b"))
        {
            rows.Add(await RunWrkScenarioAsync(idp, clientCredentials with { ScriptArguments = [.. clientCredentials.ScriptArguments, "Connection: close"] },
                idpTraits with
                {
                    Id = "b", Scenario = "Client credentials, new connection per request", ClientAuthentication = "client_secret_basic", TokensStored = "no",
                    Connection = "new per request",
                }));
        }

        if (all && settings.Runs("d"))
        {
            // (d): every connection follows its own refresh-token chain; separate chains for the warm-up and the run.
            var chains = settings.Connections;
            Say($"  (d) signing in {2 * chains} pool users for their refresh tokens");
            var warmupTokens = await RefreshTokensAsync(flow, pool, chains, "refresh-warmup.txt");
            var runTokens = await RefreshTokensAsync(flow, pool, chains, "refresh-run.txt");
            var webAuthorization = "Authorization: Basic " + Basic(data.Web.ClientId, data.Web.Secret);
            var refresh = new WrkJob(new Uri(idp.BaseAddress, "connect/token"), "refresh.lua", ["/connect/token", webAuthorization]);
            rows.Add(await RunWrkScenarioAsync(idp, refresh with { Environment = new Dictionary<string, string> { ["BENCH_REFRESH_TOKENS"] = runTokens } },
                idpTraits with
                {
                    Id = "d", Scenario = "Refresh-token grant (rotating; access, refresh and ID token)", ClientAuthentication = "client_secret_basic",
                    TokensStored = "yes (refresh and access token rows)",
                },
                warmup: refresh with { Environment = new Dictionary<string, string> { ["BENCH_REFRESH_TOKENS"] = warmupTokens } },
                probe: false));
        }

        if (all && settings.Runs("e"))
        {
            // (e): a client-credentials access token, introspected by its own client; a fresh one, as tokens live 10 minutes.
            accessToken = await ClientCredentialsTokenAsync(http, idp.BaseAddress, data.ServiceSecret);
            await BodyFileAsync("introspect.txt", [$"token={accessToken}&token_type_hint=access_token"]);
            rows.Add(await RunWrkScenarioAsync(idp, introspection, idpTraits with
            {
                Id = "e", Scenario = "Introspection of a client-credentials JWT", ClientAuthentication = "client_secret_basic",
                TokensStored = "no (self-contained JWT)",
            }));
        }

        if (all && settings.Runs("g"))
        {
            rows.Add(await RunWrkScenarioAsync(idp, jwks, idpTraits with { Id = "g", Scenario = "JWKS" }));
            rows.Add(await RunWrkScenarioAsync(idp, discovery, idpTraits with { Id = "g", Scenario = "Discovery document" }));
        }

        if (all && settings.Runs("h"))
        {
            rows.Add(await RunWrkScenarioAsync(idp, live,
                idpTraits with { Id = "h", Scenario = "IdP's own pipeline: GET /health/live (for comparison with the empty endpoint)", SqliteSync = "—" }));
        }

        return rows;
    }

    private async Task<List<ScenarioResult>> RunPeerAsync(BenchData data)
    {
        var address = LoopbackUri(PinnedProcess.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["PORT"] = address.Port.ToString(CultureInfo.InvariantCulture),
            ["NODE_ENV"] = "production",
            ["PEER_CLIENT_ID"] = ServiceClientId,
            ["PEER_CLIENT_SECRET"] = data.ServiceSecret,
        };
        var peer = PinnedProcess.Start(Servers.Peer, ServerCpu, address, "node", [Path.Combine(settings.PeerDirectory, "server.mjs")],
            environment, Path.Combine(_work, "peer.log"), settings.PeerDirectory);
        _keptAlive.Add(peer);
        var ready = await peer.WaitUntilReadyAsync(".well-known/openid-configuration", TimeSpan.FromSeconds(60));
        Say(string.Create(CultureInfo.InvariantCulture, $"node-oidc-provider ready in {ready.TotalMilliseconds:F0} ms"));
        var traits = new ScenarioResult
        {
            Id = "", Scenario = "", Server = Servers.Peer, Key = "RS256 RSA-2048", ClientAuthentication = "client_secret_basic", TokensStored = "no",
            SqliteSync = "— (in memory)", Tls = "no (HTTP on loopback)",
        };
        var job = TokenJob(address, "token", "Authorization: Basic " + Basic(ServiceClientId, data.ServiceSecret));
        await WarmUpServerAsync(peer, [job]);
        var rows = new List<ScenarioResult>();
        if (settings.Runs("a"))
        {
            rows.Add(await RunWrkScenarioAsync(peer, job, traits with { Id = "a", Scenario = "Client credentials, RS256 JWT, keep-alive" }));
        }

        if (settings.Runs("b"))
        {
            rows.Add(await RunWrkScenarioAsync(peer, job with { ScriptArguments = [.. job.ScriptArguments, "Connection: close"] },
                traits with { Id = "b", Scenario = "Client credentials, new connection per request", Connection = "new per request" }));
        }

        return rows;
    }

    private async Task<ScenarioResult> RunEmptyEndpointAsync(BenchData data, string warmupCookies)
    {
        var address = LoopbackUri(PinnedProcess.FreePort());
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/'),
            ["DOTNET_NOLOGO"] = "1",
        };
        var empty = PinnedProcess.Start(Servers.Empty, ServerCpu, address, "dotnet", [settings.EmptyEndpointDll], environment,
            Path.Combine(_work, "empty.log"));
        _keptAlive.Add(empty);
        await empty.WaitUntilReadyAsync("health/ready", TimeSpan.FromSeconds(60));
        var job = await MapperJobAsync(address, "", data.MappedIds, warmupCookies);
        await WarmUpServerAsync(empty, [job]);
        return await RunWrkScenarioAsync(empty, job, new ScenarioResult
        {
            Id = "h", Scenario = "Empty endpoint, sent the mapper's request (framework ceiling)", Server = Servers.Empty,
        });
    }

    private async Task<(GrowthDatabase, List<ScenarioResult>, PinnedProcess Server)> RunGrowthAsync(
        string directory, GatewayKeyServer gateway, BenchData data, string warmupCookies)
    {
        var path = Path.Combine(directory, "idp.db");
        var clock = Stopwatch.StartNew();
        Say($"Growth database: {settings.GrowthUsers:N0} users, {settings.GrowthMappings:N0} mappings, {settings.GrowthClients:N0} clients");
        var counts = GrowthSeeder.Grow(path, new GrowthTargets(settings.GrowthUsers, settings.GrowthMappings, settings.GrowthClients), Say);
        var seedSeconds = clock.Elapsed.TotalSeconds;

        var (idp, readyMs) = await StartIdpAsync(PinnedProcess.FreePort(), directory, gateway.JwksUrl, "idp-growth");
        _keptAlive.Add(idp);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var idle = idp.RssMb();
        Say(string.Create(CultureInfo.InvariantCulture, $"IdP on the growth database ready in {readyMs.Last():F0} ms; idle RSS {idle:F0} MiB"));
        var pool = new UserPool([.. Enumerable.Range(1, settings.PoolUsers).Select(i => BenchDatabase.UserName(PoolPrefix, i))]);
        var rows = await RunIdpScenariosAsync(idp, data, pool, gateway, warmupCookies, "growth", all: false);
        return (new GrowthDatabase(counts.Users, counts.Mappings, counts.Clients, seedSeconds, new FileInfo(path).Length / 1048576.0, readyMs, idle), rows, idp);
    }

    /// <summary>
    /// Brings a freshly started server to its steady state before any scenario. On one saturated core, .NET's tiered
    /// compilation needs minutes to recompile IdP's hot paths at full optimisation (ReadyToRun code, then instrumented
    /// tier 1, then tier 1, for tens of thousands of methods), and its background compiler competes with the requests
    /// for the core; a 5-second warm-up per scenario is not enough for that. So every request kind runs in turn, with
    /// pauses in which the compiler has the core to itself, for <c>BENCH_SERVER_WARMUP</c> seconds; then, for IdP,
    /// round after round until the compiler thread used under 2% of a round (<c>BENCH_SERVER_WARMUP_MAX</c> at most).
    /// </summary>
    private async Task WarmUpServerAsync(PinnedProcess server, IReadOnlyList<WrkJob> jobs, SignInFlow? flow = null, UserPool? pool = null)
    {
        var isIdp = server.Name == Servers.Idp;
        var budget = isIdp ? settings.ServerWarmupSeconds : Math.Min(settings.ServerWarmupSeconds, 10);
        if (budget <= 0)
        {
            return;
        }

        Say(isIdp
            ? $"  {server.Name}: warming up for {budget} s, then until the JIT has settled ({settings.ServerWarmupMaxSeconds} s at most)"
            : $"  {server.Name}: warming up for about {budget} s");
        var clock = Stopwatch.StartNew();
        var round = 0;
        var jitShare = double.NaN;
        while (true)
        {
            var jitBefore = server.TieredCompilationCpuSeconds();
            var roundClock = Stopwatch.StartNew();
            round++;
            foreach (var job in jobs)
            {
                await _wrk.RunAsync(job, 2, $"{server.Name}-server-warmup-{round}".Replace(' ', '_').Replace(',', '_'));
            }

            if (flow is not null && pool is not null)
            {
                // The sign-in runs through far more code than any one wrk request: it gets the longest share.
                await ClosedLoop.RunAsync(settings.SignInConcurrency, TimeSpan.FromSeconds(5),
                    async cancellationToken => await flow.RunAsync(await pool.TakeAsync(cancellationToken), cancellationToken));
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            jitShare = (server.TieredCompilationCpuSeconds() - jitBefore) / roundClock.Elapsed.TotalSeconds;
            var elapsed = clock.Elapsed.TotalSeconds;
            if (elapsed >= budget && (!isIdp || jitShare < 0.02 || elapsed >= settings.ServerWarmupMaxSeconds))
            {
                break;
            }
        }

        if (isIdp)
        {
            var settled = jitShare < 0.02;
            _warmups.Add(new ServerWarmup(server.Name, clock.Elapsed.TotalSeconds, jitShare * 100, settled));
            Say(string.Create(CultureInfo.InvariantCulture,
                $"  {server.Name}: warmed up in {clock.Elapsed.TotalSeconds:F0} s; the JIT used {jitShare * 100:F1}% of the last round{(settled ? "" : " (not settled: raise BENCH_SERVER_WARMUP_MAX)")}"));
            if (!settled)
            {
                _notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"IdP's JIT had not settled after {clock.Elapsed.TotalSeconds:F0} s of warm-up ({jitShare * 100:F1}% of the core in the last round): its figures are below its steady state."));
            }
        }
    }

    /// <summary>
    /// Warm-up, then the measured run, with the server's peak memory taken over the measured run only.
    /// <paramref name="measured"/>, given the warm-up's result, prepares the job of the measured run when it differs.
    /// </summary>
    private async Task<ScenarioResult> RunWrkScenarioAsync(
        PinnedProcess server, WrkJob job, ScenarioResult traits, WrkJob? warmup = null, bool probe = true, bool secondPass = false,
        Func<WrkResult?, Task<WrkJob>>? measured = null)
    {
        var label = $"{traits.Server}-{traits.Database}-{traits.Id}".Replace(' ', '_').Replace(',', '_');
        if (probe)
        {
            await ProbeAsync(job, traits);
        }

        WrkResult? warm = null;
        if (settings.WarmupSeconds > 0)
        {
            warm = await _wrk.RunAsync(warmup ?? job, settings.WarmupSeconds, label + "-warmup");
        }

        var measuredJob = measured is null ? job : await measured(warm);
        server.ResetPeak();
        await using var sampler = new MemorySampler(server);
        var jit = JitWatch.Start(server);
        var result = await _wrk.RunAsync(measuredJob, settings.DurationSeconds, secondPass ? label + "-2" : label);
        var jitPercent = jit.Percent();
        var cpuPercent = jit.CpuPercent();
        var peak = Math.Max(await sampler.StopAsync(), server.PeakRssMb());
        if (!secondPass)
        {
            await ProfileAsync(server, traits, seconds => _wrk.RunAsync(job, seconds, label + "-profiled"));
        }

        var row = traits with
        {
            PerSecond = result.PerSecond, P50Ms = result.P50Ms, P99Ms = result.P99Ms, Completed = result.Requests, Errors = result.Errors,
            ErrorDetail = result.Errors > 0
                ? $"{result.StatusErrors} non-2xx, {result.SocketErrors} socket errors/timeouts{(result.FirstFailure is { } first ? "; first: " + first : "")}"
                : null,
            PeakRssMb = peak, Concurrency = job.Connections ?? settings.Connections, JitCpuPercent = jitPercent, ServerCpuPercent = cpuPercent,
        };
        Report(row);
        if (!secondPass && IsPaired(traits))
        {
            _secondPass.Add((row, () => RunWrkScenarioAsync(server, job, traits, warmup, probe: false, secondPass: true, measured)));
        }

        return row;
    }

    /// <summary>The rows a ratio compares with another server or database: measured in both passes.</summary>
    private static bool IsPaired(ScenarioResult traits)
        => traits.Id is "a" or "b" or "f" or "h" || (traits.Id == "c" && traits.Server == Servers.Idp);

    private async Task<ScenarioResult> RunSignInScenarioAsync(PinnedProcess server, SignInFlow flow, UserPool pool, ScenarioResult traits, bool secondPass = false)
    {
        // This shared machine's speed drifts by up to a quarter within one run (the password floor has measured 72 ms
        // and 106 ms in the same run), so the sign-ins are compared with the floor measured right around them, with
        // the server idle on the same core: before the warm-up, and after the measured run.
        var adjacent = traits.Database == "small" ? new List<Floors>() : null;
        if (adjacent is not null)
        {
            Say("  (c) floors right before the sign-ins");
            adjacent.Add(await MeasureFloorsAsync());
        }

        if (settings.WarmupSeconds > 0)
        {
            await ClosedLoop.RunAsync(settings.SignInConcurrency, TimeSpan.FromSeconds(settings.WarmupSeconds),
                async cancellationToken => await flow.RunAsync(await pool.TakeAsync(cancellationToken), cancellationToken));
        }

        server.ResetPeak();
        await using var sampler = new MemorySampler(server);
        var jit = JitWatch.Start(server);
        var result = await ClosedLoop.RunAsync(settings.SignInConcurrency, TimeSpan.FromSeconds(settings.SignInDurationSeconds),
            async cancellationToken => await flow.RunAsync(await pool.TakeAsync(cancellationToken), cancellationToken));
        var jitPercent = jit.Percent();
        var cpuPercent = jit.CpuPercent();
        var peak = Math.Max(await sampler.StopAsync(), server.PeakRssMb());
        if (adjacent is not null)
        {
            Say("  (c) floors right after the sign-ins");
            adjacent.Add(await MeasureFloorsAsync());
        }

        if (!secondPass)
        {
            await ProfileAsync(server, traits, seconds => ClosedLoop.RunAsync(settings.SignInConcurrency, TimeSpan.FromSeconds(seconds),
                async cancellationToken => await flow.RunAsync(await pool.TakeAsync(cancellationToken), cancellationToken)));
        }

        var row = traits with
        {
            PerSecond = result.PerSecond, P50Ms = result.P50Ms, P99Ms = result.P99Ms, Completed = result.Completed, Errors = result.Failed,
            ErrorDetail = result.Failures.Count > 0 ? string.Join("; ", result.Failures.OrderByDescending(f => f.Value).Take(3).Select(f => $"{f.Value}× {f.Key}")) : null,
            PeakRssMb = peak, Concurrency = settings.SignInConcurrency, JitCpuPercent = jitPercent, ServerCpuPercent = cpuPercent,
            AdjacentFloors = adjacent,
        };
        Report(row);
        if (!secondPass && IsPaired(traits))
        {
            _secondPass.Add((row, () => RunSignInScenarioAsync(server, flow, pool, traits, secondPass: true)));
        }

        return row;
    }

    /// <summary>
    /// With <c>BENCH_PROFILE</c>: the same load once more (not measured) while dotnet-trace samples IdP's threads; the
    /// methods most often on the stack, exclusive and inclusive, go to bench/results/profile-{scenario}.txt.
    /// </summary>
    private async Task ProfileAsync(PinnedProcess server, ScenarioResult traits, Func<int, Task> load)
    {
        if (!settings.Profile.Contains(traits.Id) || traits.Server != Servers.Idp)
        {
            return;
        }

        var seconds = Math.Clamp(settings.DurationSeconds, 3, 15);
        var slug = (traits.Database == "small" ? "" : traits.Database + "-") + string.Concat(traits.Scenario.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-');
        slug = slug.Length > 40 ? slug[..40].Trim('-') : slug;
        Directory.CreateDirectory(settings.ResultsDirectory);
        var trace = Path.Combine(_work, $"profile-{traits.Id}-{slug}.nettrace");
        var collect = new ProcessStartInfo(settings.DotnetTrace) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["collect", "-p", server.Pid.ToString(CultureInfo.InvariantCulture),
                     "--profile", "dotnet-sampled-thread-time", "--duration", $"00:00:00:{seconds + 1:D2}", "-o", trace])
        {
            collect.ArgumentList.Add(argument);
        }

        Say($"  ({traits.Id}) profiling {seconds} s with {settings.DotnetTrace} and perf");
        using var tracer = Process.Start(collect) ?? throw new BenchException("Could not start dotnet-trace.");
        var tracerOutput = tracer.StandardOutput.ReadToEndAsync();
        var tracerError = tracer.StandardError.ReadToEndAsync();

        // perf samples on-CPU time only (software clock: this machine may have no hardware counters).
        var perfData = Path.Combine(_work, $"perf-{traits.Id}.data");
        var perf = StartQuietly("perf", "record", "-e", "cpu-clock", "-F", "499", "-g", "-p", server.Pid.ToString(CultureInfo.InvariantCulture),
            "-o", perfData, "--", "sleep", seconds.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await load(seconds);
        await tracer.WaitForExitAsync();
        if (perf is not null)
        {
            await perf.WaitForExitAsync();
            perf.Dispose();
        }
        if (tracer.ExitCode != 0 || !File.Exists(trace))
        {
            _notes.Add($"Profiling ({traits.Id}) failed: {(await tracerError).Trim()} {(await tracerOutput).Trim()}");
            return;
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"# IdP, ({traits.Id}) {traits.Scenario}: dotnet-trace, sampled thread time, {seconds} s under the same load");
        report.AppendLine("# Thread-time samples include threads that wait (thread pool, timers): read past the wait functions.");
        foreach (var inclusive in (bool[])[false, true])
        {
            var top = new ProcessStartInfo(settings.DotnetTrace) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var argument in (string[])["report", trace, "topN", "-n", "60", .. inclusive ? (string[])["--inclusive"] : []])
            {
                top.ArgumentList.Add(argument);
            }

            using var reporter = Process.Start(top) ?? throw new BenchException("Could not start dotnet-trace report.");
            report.AppendLine(inclusive ? "\n## Inclusive" : "\n## Exclusive");
            report.AppendLine(await reporter.StandardOutput.ReadToEndAsync());
            await reporter.WaitForExitAsync();
        }

        // Which library the CPU time goes to (libcrypto: PBKDF2, RSA; libe_sqlite3; the JIT's code; the kernel), then
        // the symbols. Note: ReadyToRun framework code shows as addresses in its .dll; jitted code is named.
        foreach (var sort in (string[])["dso", "dso,symbol"])
        {
            if (!File.Exists(perfData))
            {
                break;
            }

            using var perfReport = StartQuietly("perf", "report", "-i", perfData, "--no-children", "--sort", sort, "--stdio", "-g", "none",
                "--percent-limit", sort == "dso" ? "0.5" : "0.4");
            if (perfReport is not null)
            {
                report.AppendLine($"\n## perf, on-CPU samples, self time by {sort}");
                report.AppendLine(await perfReport.StandardOutput.ReadToEndAsync());
                await perfReport.WaitForExitAsync();
            }
        }

        var path = Path.Combine(settings.ResultsDirectory, $"profile-{traits.Id}-{slug}.txt");
        await File.WriteAllTextAsync(path, report.ToString());
        File.Copy(trace, Path.ChangeExtension(path, ".nettrace"), overwrite: true);
        if (File.Exists(perfData))
        {
            // Kept for call graphs (perf report -i … -g caller); the JIT's symbol map is gone with the server.
            File.Copy(perfData, Path.ChangeExtension(path, ".perf.data"), overwrite: true);
            var symbols = $"/tmp/perf-{server.Pid}.map";
            foreach (var stale in Directory.GetFiles(settings.ResultsDirectory, Path.GetFileNameWithoutExtension(path) + ".perf-*.map"))
            {
                File.Delete(stale);
            }

            if (File.Exists(symbols))
            {
                // perf report looks the map up by the recorded pid: copy it back to /tmp to read the .perf.data.
                File.Copy(symbols, Path.ChangeExtension(path, $".perf-{server.Pid}.map"), overwrite: true);
            }
        }
        Say($"  ({traits.Id}) profile: {path}");
    }

    /// <summary>Starts a tool with its output captured; null when the tool is not installed.</summary>
    private static Process? StartQuietly(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            var process = Process.Start(start);
            _ = process?.StandardError.ReadToEndAsync();
            return process;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>One request before the load, so a misconfigured scenario fails loudly rather than measuring errors.</summary>
    private static async Task ProbeAsync(WrkJob job, ScenarioResult traits)
    {
        var method = job.Script is "request.lua" or "mapper.lua" ? job.ScriptArguments[0] : "GET";
        var bodyFile = job.ScriptArguments.ElementAtOrDefault(2);
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), job.Url);
        var headers = job.ScriptArguments.Skip(3).Select(h => h.Split(':', 2)).ToList();
        if (bodyFile is not null and not "-")
        {
            request.Content = new StringContent(File.ReadLines(bodyFile).First());
            request.Content.Headers.Remove("Content-Type");
        }

        if (job.Environment?.GetValueOrDefault("BENCH_MAPPER_COOKIES") is { } cookies)
        {
            request.Headers.TryAddWithoutValidation("Cookie", "apimlAuthenticationToken=" + File.ReadLines(cookies).First());
        }

        foreach (var header in headers)
        {
            if (header[0].Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Content?.Headers.TryAddWithoutValidation(header[0], header[1].Trim());
            }
            else if (!header[0].Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(header[0], header[1].Trim());
            }
        }

        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new BenchException($"{traits.Server} ({traits.Id}) {traits.Scenario}: {method} {job.Url} answered {(int)response.StatusCode}: " +
                                     await response.Content.ReadAsStringAsync());
        }
    }

    private async Task<string> RefreshTokensAsync(SignInFlow flow, UserPool pool, int count, string fileName)
    {
        var tokens = new List<string>();
        foreach (var _ in Enumerable.Range(0, count))
        {
            var set = await flow.RunAsync(await pool.TakeAsync(CancellationToken.None), CancellationToken.None);
            tokens.Add(set.RefreshToken ?? throw new BenchException("The sign-in returned no refresh token (offline_access)."));
        }

        return await BodyFileAsync(fileName, tokens);
    }

    private static async Task<string> ClientCredentialsTokenAsync(HttpClient http, Uri issuer, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(issuer, "connect/token"))
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials"), KeyValuePair.Create("scope", ApiScope)]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Basic(ServiceClientId, secret));
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private WrkJob TokenJob(Uri server, string path, string authorization)
        => new(new Uri(server, path), "request.lua",
            ["POST", "/" + path, Path.Combine(_work, "client-credentials.txt"), "Content-Type: application/x-www-form-urlencoded", authorization]);

    private static WrkJob GetJob(Uri server, string path) => new(new Uri(server, path), "request.lua", ["GET", "/" + path, "-"]);

    /// <summary>The mapper's request as API ML sends it, a gateway cookie each, here cycling through <paramref name="cookies"/>.</summary>
    private async Task<WrkJob> MapperJobAsync(Uri server, string path, IReadOnlyList<string> mappedIds, string cookies)
        => new(new Uri(server, path), "mapper.lua",
        [
            "POST", "/" + path, await BodyFileAsync("mapper.txt", mappedIds.Select(id => $$"""{"dn":"{{id}}","registry":"{{Registry}}"}""")),
            "Content-Type: application/json",
        ], new Dictionary<string, string> { ["BENCH_MAPPER_COOKIES"] = cookies, ["BENCH_MAPPER_COOKIES_CYCLE"] = "1" });

    /// <summary>
    /// The measured run of (f): cookies never sent before, one per request, as API ML mints one per call. Twice as many
    /// as the warm-up's rate says the run will take (a short warm-up runs slower than the run); a run that still runs
    /// out shows errors, "cookie pool exhausted".
    /// </summary>
    private async Task<WrkJob> FreshCookiesJobAsync(WrkJob mapper, GatewayKeyServer gateway, WrkResult? warm)
    {
        var rate = warm?.PerSecond ?? (await _wrk.RunAsync(mapper, 2, "mapper-rate")).PerSecond;
        var count = (int)Math.Ceiling(rate * settings.DurationSeconds * 2) + 1000;
        var clock = Stopwatch.StartNew();
        if (_freshCookies is { } previous)
        {
            File.Delete(previous);
        }

        _freshCookies = await gateway.MintCookiesAsync(count, Path.Combine(_work, "mapper-cookies-fresh.txt"));
        Say(string.Create(CultureInfo.InvariantCulture, $"  (f) minted {count:N0} fresh gateway cookies in {clock.Elapsed.TotalSeconds:F0} s"));
        return mapper with { Environment = new Dictionary<string, string> { ["BENCH_MAPPER_COOKIES"] = _freshCookies } };
    }

    private async Task<string> BodyFileAsync(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_work, name);
        await File.WriteAllLinesAsync(path, lines);
        return path;
    }

    private async Task<Floors> MeasureFloorsAsync()
    {
        await BodyFileAsync("client-credentials.txt", [$"grant_type=client_credentials&scope={ApiScope}"]);
        var start = new ProcessStartInfo("taskset") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", ServerCpu.ToString(CultureInfo.InvariantCulture), "dotnet", typeof(BenchSuite).Assembly.Location,
                     "floors", "--seconds", settings.FloorSeconds.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new BenchException("Could not start the floors run.");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var floors = process.ExitCode == 0 ? Floors.FromJson(output) : throw new BenchException($"The floors run failed ({process.ExitCode}).");
        Say(string.Create(CultureInfo.InvariantCulture,
            $"  RS256 signature {floors.SignatureMs:F3} ms ({floors.SignaturesPerSecond:F0}/s); password check {floors.PasswordCheckMs:F1} ms ({floors.PasswordChecksPerSecond:F1}/s)"));
        return floors;
    }

    /// <summary>One connection pool for every virtual user; cookies are per sign-in (BrowserSession), redirects by hand.</summary>
    private static HttpClient SignInHttpClient()
        => new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };

    private static string Basic(string clientId, string secret)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(clientId) + ":" + Uri.EscapeDataString(secret)));

    private static Uri LoopbackUri(int port) => new($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");

    private static void Report(ScenarioResult row)
        => Say(string.Create(CultureInfo.InvariantCulture,
            $"  ({row.Id}) {row.Server}, {row.Scenario} [{row.Database}]: {row.PerSecond:F1} {row.Unit}, p50 {row.P50Ms:F2} ms, p99 {row.P99Ms:F2} ms, " +
            $"{row.Errors} errors, peak RSS {row.PeakRssMb:F0} MiB{(row.ErrorDetail is null ? "" : " (" + row.ErrorDetail + ")")}"));

    public static void Say(string line) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {line}");

    /// <summary>
    /// The server's use of its core over a measured run: all its threads, and the tiered compiler's share (null when
    /// the server is not .NET).
    /// </summary>
    private readonly record struct JitWatch(PinnedProcess Server, double StartSeconds, double StartCpuSeconds, Stopwatch Clock)
    {
        public static JitWatch Start(PinnedProcess server)
            => new(server, server.TieredCompilationCpuSeconds(), server.CpuSeconds(), Stopwatch.StartNew());

        public double? Percent() => Server.Name == Servers.Peer
            ? null
            : (Server.TieredCompilationCpuSeconds() - StartSeconds) / Clock.Elapsed.TotalSeconds * 100;

        public double CpuPercent() => (Server.CpuSeconds() - StartCpuSeconds) / Clock.Elapsed.TotalSeconds * 100;
    }
}

/// <summary>A synchronous disposable kept until the end of the run with the servers.</summary>
internal sealed class DisposeLater(IDisposable disposable) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        disposable.Dispose();
        return ValueTask.CompletedTask;
    }
}
