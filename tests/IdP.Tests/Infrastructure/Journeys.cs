namespace IdP.Tests.Infrastructure;

/// <summary>Page-object steps a person takes in IdP, each returning where they ended up.</summary>
public static class Journeys
{
    /// <summary>Fills and submits the login form, then answers the second step (code, or first enrolment).</summary>
    public static async Task<Outcome> LoginAsync(this BrowserClient browser, Page loginPage, string userName, string password)
        => await browser.CompleteSecondFactorAsync(await browser.SubmitPasswordAsync(loginPage, userName, password), userName);

    /// <summary>Only the password step.</summary>
    public static async Task<Outcome> SubmitPasswordAsync(this BrowserClient browser, Page loginPage, string userName, string password)
    {
        Assert.Contains("/account/login", loginPage.Url, StringComparison.Ordinal);
        return await browser.SubmitAsync(loginPage, 0, ("Input.UserName", userName), ("Input.Password", password));
    }

    /// <summary>
    /// Answers the second-factor step if IdP asks for it: enters the authenticator's next code, or, for a user with
    /// no factor yet, gives the activation code, enrols one with the key read from the enrolment page and keeps the
    /// recovery codes shown.
    /// </summary>
    public static async Task<Outcome> CompleteSecondFactorAsync(this BrowserClient browser, Outcome outcome, string userName)
    {
        var authenticators = browser.Authenticators ?? throw new InvalidOperationException("The browser has no authenticators.");
        if (outcome.Page is { } activationPage && activationPage.Url.Contains("/account/mfa/enroll", StringComparison.Ordinal)
            && activationPage.Html.Contains("name=\"ActivationCode\"", StringComparison.Ordinal))
        {
            outcome = await browser.SubmitAsync(activationPage, 0, ("ActivationCode", authenticators.ActivationCode(userName)));
        }

        if (outcome.Page is { } enrolment && enrolment.Url.Contains("/account/mfa/enroll", StringComparison.Ordinal))
        {
            authenticators.Register(userName, TestAuthenticators.ParseManualKey(ManualKey(enrolment)));
            outcome = await browser.SubmitAsync(enrolment, 0, ("Code", authenticators.NextCode(userName)));
            var saved = outcome.RequirePage();
            authenticators.RememberRecoveryCodes(userName, RecoveryCodesOn(saved));
            return await browser.NavigateAsync(ContinueLink(saved));
        }

        if (outcome.Page is { } codePage && codePage.Url.Contains("/account/mfa", StringComparison.Ordinal)
            && !codePage.Url.Contains("/account/mfa/", StringComparison.Ordinal) && codePage.Forms.Count > 0)
        {
            return await browser.SubmitAsync(codePage, 0, ("Code", authenticators.NextCode(userName)));
        }

        return outcome;
    }

    public static string ManualKey(Page enrolment)
        => System.Text.RegularExpressions.Regex.Match(enrolment.Html, "id=\"manual-key\">([A-Z2-7 ]+)<").Groups[1].Value;

    public static IReadOnlyList<string> RecoveryCodesOn(Page page)
        => [.. System.Text.RegularExpressions.Regex.Matches(page.Html, "<li><code>([0-9A-Z]{5}-[0-9A-Z]{5})</code></li>").Select(m => m.Groups[1].Value)];

    public static string ContinueLink(Page page)
        => System.Net.WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(page.Html, "<a href=\"([^\"]+)\"[^>]*>(I have saved them, continue|Continue)</a>").Groups[1].Value);

    /// <summary>Answers the consent page.</summary>
    public static async Task<Outcome> ConsentAsync(this BrowserClient browser, Page consentPage, bool allow = true)
    {
        Assert.Contains("/connect/consent", consentPage.Url, StringComparison.Ordinal);
        return await browser.SubmitAsync(consentPage, 0, ("consent", allow ? "accept" : "deny"));
    }

    /// <summary>A confidential web application with the code and refresh grants, OpenID scopes and no consent page; its secret.</summary>
    public static Task<string?> AddWebClientAsync(this IdpFactory idp, string clientId = "web-app")
        => idp.CreateClientAsync(new IdP.Server.Administration.ClientSpec(clientId, IdP.Server.Administration.ClientKind.Confidential,
            [OpenIddict.Abstractions.OpenIddictConstants.GrantTypes.AuthorizationCode, OpenIddict.Abstractions.OpenIddictConstants.GrantTypes.RefreshToken],
            [OidcClient.DefaultRedirectUri], [],
            [OpenIddict.Abstractions.OpenIddictConstants.Scopes.OpenId, OpenIddict.Abstractions.OpenIddictConstants.Scopes.Profile,
             OpenIddict.Abstractions.OpenIddictConstants.Scopes.OfflineAccess],
            RequireConsent: false, DisplayName: "Web App"));

    /// <summary>A whole sign-in in a fresh browser (password, then the authenticator's code), and the code redeemed with PKCE.</summary>
    public static async Task<TokenResponse> SignInAndRedeemAsync(this IdpFactory idp, OidcClient client, string userName, string password,
        string scope = "openid profile offline_access")
    {
        using var browser = idp.CreateBrowser();
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, userName, password, scope);
        return (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
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
