using Microsoft.Playwright;

namespace IdP.Tests.Browser;

/// <summary>A fresh Chromium page (its own browser context: no cookies, no authenticators) for each test.</summary>
public abstract class BrowserTest(ChromiumFixture chromium) : IAsyncLifetime
{
    private IPage? _page;

    protected IPage Page => _page ?? throw new InvalidOperationException("No browser page.");

    public async Task InitializeAsync() => _page = await chromium.NewPageAsync();

    public async Task DisposeAsync()
    {
        if (_page is not null)
        {
            await _page.Context.CloseAsync();
        }
    }
}
