using System.Globalization;
using IdP.Bench.Data;
using IdP.Bench.Suite;

// IdP's benchmark driver. bench/run.sh builds everything and calls "run"; the other verbs are its parts.
//   IdP.Bench run --repo <repository root>        the whole suite; prints the table, writes docs/benchmarks.md
//   IdP.Bench report --repo <root>                redraws docs/benchmarks.md from bench/results/latest.json
//   IdP.Bench floors --seconds N                  the signing and password-check floors, as JSON (run pinned)
//   IdP.Bench grow --db <idp.db> [--users N] [--mappings N] [--clients N] [--template-user U] [--template-client C]
//   IdP.Bench cookies --key <pem> --count N --out <file>   gateway cookies for scenario (f), one a line (run on all cores)
try
{
    var verb = args.FirstOrDefault() ?? "run";
    switch (verb)
    {
        case "run":
        {
            var settings = BenchSettings.FromEnvironment(Repository(args));
            var result = await new BenchSuite(settings).RunAsync();
            Directory.CreateDirectory(Path.GetDirectoryName(settings.ResultsPath)!);
            await File.WriteAllTextAsync(settings.ResultsPath, result.ToJson());
            await WriteReportAsync(settings, result);
            return 0;
        }

        case "report":
        {
            var settings = BenchSettings.FromEnvironment(Repository(args));
            var from = Option(args, "--from") ?? settings.ResultsPath;
            await WriteReportAsync(settings, SuiteResult.FromJson(await File.ReadAllTextAsync(from)));
            return 0;
        }

        case "floors":
            Console.WriteLine(Floors.Measure(int.Parse(Option(args, "--seconds") ?? "5", CultureInfo.InvariantCulture)).ToJson());
            return 0;

        case "grow":
        {
            var db = Option(args, "--db") ?? throw new BenchException("grow needs --db <path to idp.db>.");
            var targets = new GrowthTargets(
                Number(args, "--users", 1_000_000), Number(args, "--mappings", 100_000), Number(args, "--clients", 1_000),
                Option(args, "--template-user") ?? "bench-template", Option(args, "--template-client") ?? "bench-cc");
            var (users, mappings, clients) = GrowthSeeder.Grow(db, targets, BenchSuite.Say);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{db}: {users:N0} users, {mappings:N0} mappings, {clients:N0} clients."));
            return 0;
        }

        case "cookies":
            await IdP.Bench.Hosting.GatewayKeyServer.MintToFileAsync(
                Option(args, "--key") ?? throw new BenchException("cookies needs --key <private key PEM>."),
                Number(args, "--count", 1000),
                Option(args, "--out") ?? throw new BenchException("cookies needs --out <file>."));
            return 0;

        default:
            throw new BenchException($"Unknown verb '{verb}': run, report, floors, grow or cookies.");
    }
}
catch (BenchException exception)
{
    Console.Error.WriteLine("error: " + exception.Message);
    return 1;
}

static async Task WriteReportAsync(BenchSettings settings, SuiteResult result)
{
    Console.WriteLine(Report.Render(result));
    if (settings.IsPartial)
    {
        Console.Error.WriteLine($"A partial run (BENCH_SCENARIOS): {settings.OutputPath} left as it was; results in {settings.ResultsPath}.");
        return;
    }

    var template = await File.ReadAllTextAsync(settings.TemplatePath);
    await File.WriteAllTextAsync(settings.OutputPath, Report.Document(template, result));
    Console.Error.WriteLine($"Wrote {settings.OutputPath}");
}

static string Repository(string[] args)
    => Path.GetFullPath(Option(args, "--repo") ?? Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

static string? Option(string[] args, string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static int Number(string[] args, string name, int fallback)
    => Option(args, name) is { } text ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;
