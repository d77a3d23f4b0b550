using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;

namespace IdP.Tests.Browser;

/// <summary>
/// The relying party's web site as the browser sees it. The browser has no network, so requests to the client's
/// origin (e.g. <c>https://app.example</c>) are answered inside the browser by Playwright, and the first one
/// (the redirect back from IdP) is recorded: that is where the authorization code arrives.
/// </summary>
public sealed class ClientApplication
{
    public const string LandingHeading = "Back at the application";

    private readonly TaskCompletionSource<Uri> _callback = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IPage _page;

    private ClientApplication(IPage page) => _page = page;

    /// <summary>Starts answering for <paramref name="origin"/> in this page's browser context.</summary>
    public static async Task<ClientApplication> ServeAsync(IPage page, string origin)
    {
        var application = new ClientApplication(page);
        await page.Context.RouteAsync(origin.TrimEnd('/') + "/**", async route =>
        {
            application._callback.TrySetResult(new Uri(route.Request.Url));
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "text/html; charset=utf-8",
                Body = $"<!DOCTYPE html><html lang=\"en\"><title>Application</title><h1>{LandingHeading}</h1></html>",
            });
        });
        return application;
    }

    /// <summary>The parameters IdP sent back to the redirect URI (fails the test if the browser never got there).</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReceiveCallbackAsync(string expectedRedirectUri)
    {
        Uri callback;
        try
        {
            callback = await _callback.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException("The browser was never sent back to the client's redirect URI.");
        }

        Assert.Equal(expectedRedirectUri, callback.GetLeftPart(UriPartial.Path));

        // The callback is recorded before the landing page is served; wait until the browser has actually landed,
        // so the test's next navigation cannot be interrupted by this one still committing.
        await Microsoft.Playwright.Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = LandingHeading })).ToBeVisibleAsync();
        return QueryHelpers.ParseQuery(callback.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
    }
}
