using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace IdP.Tests.Browser;

/// <summary>
/// Page objects for IdP's screens, as a person finds them: fields by their visible label, buttons by their
/// name, messages by their role. If a label stops being associated with its field, these stop finding it.
/// </summary>
public static partial class IdpPages
{
    // Login page.
    public static ILocator UserNameField(this IPage page) => page.GetByLabel("User name or e-mail address", new() { Exact = true });

    public static ILocator PasswordField(this IPage page) => page.GetByLabel("Password", new() { Exact = true });

    public static ILocator SignInButton(this IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });

    /// <summary>The message announced to screen readers (<c>role="alert"</c>).</summary>
    public static ILocator Alert(this IPage page) => page.GetByRole(AriaRole.Alert);

    // Consent page.
    public static ILocator AllowButton(this IPage page) => page.GetByRole(AriaRole.Button, new() { Name = "Allow", Exact = true });

    /// <summary>Waits for IdP's login page, with its heading.</summary>
    public static async Task ExpectLoginPageAsync(this IPage page)
    {
        await Expect(page).ToHaveURLAsync(LoginPath());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
    }

    /// <summary>Types the user name and password into the login page and presses "Sign in".</summary>
    public static async Task SignInAsync(this IPage page, string userName, string password)
    {
        await page.ExpectLoginPageAsync();
        await page.UserNameField().FillAsync(userName);
        await page.PasswordField().FillAsync(password);
        await page.SignInButton().ClickAsync();
    }

    /// <summary>Types the authenticator's code on the second-step page and presses "Verify".</summary>
    public static async Task EnterAuthenticatorCodeAsync(this IPage page, string code)
    {
        await Expect(page).ToHaveURLAsync(new Regex("/account/mfa\\?"));
        await page.GetByLabel("Code", new() { Exact = true }).FillAsync(code);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
    }

    /// <summary>Answers "Allow" on the consent page that names the application.</summary>
    public static async Task AllowAsync(this IPage page, string applicationName)
    {
        await Expect(page).ToHaveURLAsync(new Regex("/connect/consent"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(applicationName);
        await page.AllowButton().ClickAsync();
    }

    /// <summary>Saves a full-page screenshot when <see cref="ChromiumFixture.ScreenshotsVariable"/> names a folder.</summary>
    public static async Task ScreenshotIfRequestedAsync(this IPage page, string name)
    {
        if (ChromiumFixture.ScreenshotsDirectory is { } directory)
        {
            Directory.CreateDirectory(directory);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
        }
    }

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginPath();
}
