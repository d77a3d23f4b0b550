using IdP.Server.Administration;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// The real IdP pipeline on a test host, with its own SQLite database file (WAL, real migrations) in a temporary
/// folder and a clock the test can move. Nothing is stubbed: requests go through OpenIddict, Identity and EF Core.
/// </summary>
public class IdpFactory : WebApplicationFactory<Program>
{
    public const string Issuer = "http://localhost/";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "idp-tests", Guid.NewGuid().ToString("N"));

    public TestClock Clock { get; } = new();

    /// <summary>Extra settings a test class needs, applied as configuration.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Server:Issuer", Issuer);
        builder.UseSetting("Server:RequireHttps", "false");
        builder.UseSetting("Database:DataDirectory", DataDirectory);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    /// <summary>A browser-like client: keeps cookies, does not follow redirects (tests assert each one).</summary>
    public BrowserClient CreateBrowser()
        => new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true }));

    /// <summary>Runs a piece of administration through the real services, as the CLI would.</summary>
    public async Task<T> AdministerAsync<T>(Func<IServiceProvider, Task<T>> action)
    {
        StartServer(); // make sure the host (and so the database) is up; works for TestServer and Kestrel alike
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider);
    }

    public Task<UserSummary> CreateUserAsync(string userName, string password, string? email = null)
        => AdministerAsync(services => services.GetRequiredService<UserAdministration>().AddAsync(userName, email, password));

    public Task<string?> CreateClientAsync(ClientSpec spec)
        => AdministerAsync(services => services.GetRequiredService<ClientAdministration>().AddAsync(spec));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
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
