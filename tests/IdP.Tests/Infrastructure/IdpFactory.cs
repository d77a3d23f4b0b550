using IdP.Server.Administration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// The real IdP pipeline on a test host, with its own database (a SQLite file in a temporary folder, or a
/// PostgreSQL database: see <see cref="TestDatabase"/>; real migrations either way) and a clock the test can move. Nothing is stubbed: requests go through OpenIddict, Identity and EF Core.
/// </summary>
public class IdpFactory : WebApplicationFactory<Program>
{
    public const string Issuer = "http://localhost/";

    public IdpFactory()
        : this(NewDataDirectory(), new Dictionary<string, string?>())
    {
    }

    protected IdpFactory(string dataDirectory, IDictionary<string, string?> settings)
    {
        DataDirectory = dataDirectory;
        _settings = settings;
    }

    /// <summary>A server on an existing data folder, e.g. one the command line has written to.</summary>
    protected IdpFactory(string dataDirectory)
        : this(dataDirectory, new Dictionary<string, string?>())
    {
    }

    private readonly IDictionary<string, string?> _settings;

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N"));

    /// <summary>An IdP on a given data folder (to restart on the same database) with extra settings.</summary>
    public static IdpFactory On(string dataDirectory, IDictionary<string, string?>? settings = null, bool keepData = false, bool defaultRateLimits = false)
        => new(dataDirectory, settings ?? new Dictionary<string, string?>()) { KeepData = keepData, DefaultRateLimits = defaultRateLimits };

    public string DataDirectory { get; }

    /// <summary>Keep the data folder when disposed (another factory will reopen it).</summary>
    public bool KeepData { get; init; }

    /// <summary>Keep the rate limits IdP ships with, for tests of a caller that must live with them (the gateway).</summary>
    public bool DefaultRateLimits { get; init; }

    public TestClock Clock { get; } = new();

    private TestAuthenticators? _authenticators;

    /// <summary>The test users' authenticator apps, on this server's clock.</summary>
    public TestAuthenticators Authenticators => _authenticators ??= new TestAuthenticators(Clock);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Server:Issuer", Issuer);
        builder.UseSetting("Server:RequireHttps", "false");
        foreach (var (key, value) in TestDatabase.SettingsFor(DataDirectory))
        {
            builder.UseSetting(key, value);
        }

        // Every test signs in from the same (test-server) address many times a minute: limits stay on, so the
        // limiter's form and cookie reading runs in every test, but out of reach. Rate-limit tests set their own.
        foreach (var group in DefaultRateLimits ? [] : new[] { "Login", "SecondFactor", "Token", "DeviceVerification", "Mapper" })
        {
            builder.UseSetting($"RateLimits:{group}:PermitLimitPerIp", "1000000");
            builder.UseSetting($"RateLimits:{group}:PermitLimitPerAccount", "1000000");
        }

        // Hundreds of hosts share this process: a full, compacting collection after each one's start-up would pause
        // every test running beside it. StartupMemoryReleaseTests turns it on.
        builder.UseSetting("Server:ReleaseStartupMemory", "false");

        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<object?>>> _seeds = new();

    /// <summary>Runs a seeding step once per factory (xunit creates a test-class instance per test).</summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> seed)
        => (T)(await _seeds.GetOrAdd(key, _ => new Lazy<Task<object?>>(async () => await seed())).Value)!;

    /// <summary>A browser-like client: keeps cookies, does not follow redirects (tests assert each one).</summary>
    public BrowserClient CreateBrowser()
        => new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true })) { Authenticators = Authenticators };

    /// <summary>Runs a piece of administration through the real services, as the CLI would.</summary>
    public async Task<T> AdministerAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        StartServer(); // make sure the host (and so the database) is up; works for TestServer and Kestrel alike
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    /// <summary>A user with a password and an authenticator app (its seed imported, as an administrator would).</summary>
    public async Task<AddedUser> CreateUserAsync(string userName, string password, string? email = null)
    {
        var user = await CreateUserWithoutSecondFactorAsync(userName, password, email);
        var seed = System.Security.Cryptography.RandomNumberGenerator.GetBytes(20);
        await AdministerAsync(async services =>
        {
            var account = await services.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<IdP.Server.Accounts.IdpUser>>().FindByIdAsync(user.Id);
            return await services.GetRequiredService<IdP.Server.Mfa.TotpAuthenticatorService>().ImportAsync(account!, seed, "Test authenticator");
        });
        Authenticators.Register(userName, seed);
        return user;
    }

    /// <summary>A user with only a password: their first sign-in goes through enrolment.</summary>
    /// <remarks>The activation code <c>users add</c> gives is kept as the help desk would hand it over, for enrolment journeys.</remarks>
    public async Task<AddedUser> CreateUserWithoutSecondFactorAsync(string userName, string password, string? email = null)
    {
        var user = await AdministerAsync(services => services.GetRequiredService<UserAdministration>().AddAsync(userName, email, password));
        Authenticators.RememberActivationCode(userName, user.ActivationCode!);
        return user;
    }

    public Task<string?> CreateClientAsync(ClientSpec spec)
        => AdministerAsync(services => services.GetRequiredService<ClientAdministration>().AddAsync(spec));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && !KeepData)
        {
            TestDatabase.Drop(DataDirectory);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: the OS temp cleaner removes what is left.
            }
        }
    }
}
