using Microsoft.Playwright;

namespace IdP.Tests.Browser;

/// <summary>
/// One headless Chromium for all browser tests, driven by Playwright. It is Debian's <c>chromium</c> package
/// (<c>/usr/bin/chromium</c>), which <c>tests/test.sh</c> installs when missing; Playwright's own browser
/// download is not used. Each test opens its own <see cref="IBrowserContext"/> (fresh cookies).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string DefaultExecutablePath = "/usr/bin/chromium";

    /// <summary>Overrides <see cref="DefaultExecutablePath"/> (another distribution, a local build).</summary>
    public const string ExecutablePathVariable = "IDP_TEST_CHROMIUM";

    /// <summary>Set to a folder to keep screenshots of the pages the tests visit (for a person to look at).</summary>
    public const string ScreenshotsVariable = "IDP_TEST_SCREENSHOTS";

    // The sandbox needs user namespaces that containers and CI runners often lack; the background-networking
    // flags stop Chromium from calling Google services, which a closed network refuses (and which slow it down).
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not been started.");

    public static string ExecutablePath
        => Environment.GetEnvironmentVariable(ExecutablePathVariable) is { Length: > 0 } path ? path : DefaultExecutablePath;

    public static string? ScreenshotsDirectory
        => Environment.GetEnvironmentVariable(ScreenshotsVariable) is { Length: > 0 } path ? path : null;

    public async Task InitializeAsync()
    {
        // Assertions wait as long as actions do: CI shares two cores between the server, Chromium and the tests.
        Assertions.SetDefaultExpectTimeout(15_000);

        var executable = ExecutablePath;
        if (!File.Exists(executable))
        {
            // Never a skip: a browser test that does not run must not look like a pass.
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {executable}, and it is not there. Run tests/test.sh, which installs " +
                $"Debian's chromium package (apt-get install chromium), or set {ExecutablePathVariable} to a Chromium binary.");
        }

        try
        {
            // Starts Playwright's driver (Node.js), copied to the test output's .playwright/ folder by the NuGet package.
            _playwright = await Playwright.CreateAsync();
        }
        catch (Exception exception) when (exception is PlaywrightException or IOException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException(
                "Playwright's driver did not start. It ships in the Microsoft.Playwright package and is copied to " +
                $"{Path.Combine(AppContext.BaseDirectory, ".playwright")} at build time; rebuild the test project. " + exception.Message,
                exception);
        }

        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = Flags,
            Timeout = 60_000,
        });
    }

    /// <summary>A fresh browser profile: no cookies, English, a desktop-sized window.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "en-GB",
            ViewportSize = new ViewportSize { Width = 1024, Height = 768 },
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The browser tests share one Chromium and run one at a time (two cores are plenty for one browser).</summary>
[CollectionDefinition(Name)]
public sealed class ChromiumCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}
