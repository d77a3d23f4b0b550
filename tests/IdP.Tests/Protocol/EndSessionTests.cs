using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>RP-initiated logout: exact post-logout redirect matching, and no silent logout by third parties.</summary>
public sealed class EndSessionTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private const string SignedOutUri = "https://app.example/signed-out";

    private async Task<(BrowserClient Browser, TokenResponse Tokens)> SignedInAsync(string userName)
    {
        await idp.CreateUserAsync(userName, "Correct-Horse-9");
        var clientId = "logout-" + userName;
        await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [SignedOutUri], [Scopes.OpenId, Scopes.Profile]));
        var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), clientId);
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, userName, "Correct-Horse-9");
        return (browser, (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess());
    }

    [Fact]
    public async Task end_session_with_the_users_id_token_hint_signs_out_and_returns_to_the_registered_uri()
    {
        var (browser, tokens) = await SignedInAsync("erin");

        var outcome = await browser.NavigateAsync(
            $"/connect/endsession?id_token_hint={tokens.IdToken}&post_logout_redirect_uri={Uri.EscapeDataString(SignedOutUri)}&state=bye");

        Assert.Equal(SignedOutUri + "?state=bye", outcome.RequireRedirect().ToString());
        var next = await browser.NavigateAsync("/");
        Assert.True(next.RequirePage().Contains("You are not signed in"));

        // The session's end is in the audit trail, as erin's own doing.
        var signOut = await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking()
            .SingleAsync(e => e.UserName == "erin" && e.Type == "session.signout"));
        Assert.Equal("user:erin", signOut.Actor);
    }

    [Fact]
    public async Task end_session_without_a_hint_asks_the_user_before_signing_out()
    {
        var (browser, _) = await SignedInAsync("frank");

        var outcome = await browser.NavigateAsync($"/connect/endsession?post_logout_redirect_uri={Uri.EscapeDataString(SignedOutUri)}");
        var confirm = outcome.RequirePage();
        Assert.Contains("/account/logout", confirm.Url, StringComparison.Ordinal);
        Assert.True((await browser.NavigateAsync("/")).RequirePage().Contains("You are signed in as"));

        // A cross-site POST without the page's antiforgery token does not sign the user out.
        var forged = await browser.PostAsync("/connect/endsession", ("confirm", "yes"));
        Assert.Contains("/account/logout", forged.RequirePage().Url, StringComparison.Ordinal);

        outcome = await browser.NavigateAsync($"/connect/endsession?post_logout_redirect_uri={Uri.EscapeDataString(SignedOutUri)}");
        outcome = await browser.SubmitAsync(outcome.RequirePage());
        Assert.Equal(SignedOutUri, outcome.RequireRedirect().ToString());
        Assert.True((await browser.NavigateAsync("/")).RequirePage().Contains("You are not signed in"));
    }

    [Fact]
    public async Task a_post_logout_redirect_uri_that_is_not_registered_exactly_is_refused()
    {
        var (browser, tokens) = await SignedInAsync("gina");

        var outcome = await browser.NavigateAsync(
            $"/connect/endsession?id_token_hint={tokens.IdToken}&post_logout_redirect_uri={Uri.EscapeDataString(SignedOutUri + "/../evil")}");

        var page = outcome.RequirePage();
        Assert.Equal(400, page.StatusCode);
        Assert.True(page.Contains("invalid_request"));
    }
}
