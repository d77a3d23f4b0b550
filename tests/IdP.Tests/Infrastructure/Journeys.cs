namespace IdP.Tests.Infrastructure;

/// <summary>Page-object steps a person takes in IdP, each returning where they ended up.</summary>
public static class Journeys
{
    /// <summary>Fills and submits the login form on the current page.</summary>
    public static async Task<Outcome> LoginAsync(this BrowserClient browser, Page loginPage, string userName, string password)
    {
        Assert.Contains("/account/login", loginPage.Url, StringComparison.Ordinal);
        return await browser.SubmitAsync(loginPage, 0, ("Input.UserName", userName), ("Input.Password", password));
    }

    /// <summary>Answers the consent page.</summary>
    public static async Task<Outcome> ConsentAsync(this BrowserClient browser, Page consentPage, bool allow = true)
    {
        Assert.Contains("/connect/consent", consentPage.Url, StringComparison.Ordinal);
        return await browser.SubmitAsync(consentPage, 0, ("consent", allow ? "accept" : "deny"));
    }

    /// <summary>Starts an authorization request and signs in (and consents if asked); returns the code sent to the client.</summary>
    public static async Task<string> SignInForCodeAsync(this BrowserClient browser, OidcClient client, Pkce pkce, string userName, string password,
        string scope = "openid profile", params (string Name, string Value)[] extra)
    {
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(pkce, scope, "state-1", extra));
        if (outcome.Page is { } page && page.Url.Contains("/account/login", StringComparison.Ordinal))
        {
            outcome = await browser.LoginAsync(page, userName, password);
        }

        if (outcome.Page is { } consent && consent.Url.Contains("/connect/consent", StringComparison.Ordinal))
        {
            outcome = await browser.ConsentAsync(consent);
        }

        var parameters = outcome.RedirectParameters();
        Assert.StartsWith(client.RedirectUri, outcome.RequireRedirect().ToString(), StringComparison.Ordinal);
        Assert.True(parameters.ContainsKey("code"), "No code: " + string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}")));
        return parameters["code"];
    }
}
