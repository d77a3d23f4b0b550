using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>The whole browser sign-in journey, as a user and a confidential web application live it.</summary>
public sealed class BrowserSignInTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task a_user_signs_in_consents_and_the_client_gets_tokens_that_verify_then_refreshes_revokes_and_signs_out()
    {
        // Arrange: a user, and a confidential client that asks for consent.
        var user = await idp.CreateUserAsync("alice", "Correct-Horse-9", "alice@example.com");
        var secret = await idp.CreateClientAsync(new ClientSpec("web-app", ClientKind.Confidential,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], ["https://app.example/signed-out"],
            [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess], RequireConsent: true, DisplayName: "Web App"));
        using var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), "web-app", secret);
        var pkce = Pkce.Create();

        // Act 1: the client sends the user to IdP; IdP asks them to sign in.
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(pkce, "openid profile email offline_access"));
        var loginPage = outcome.RequirePage();
        Assert.Contains("/account/login", loginPage.Url, StringComparison.Ordinal);
        Assert.Contains("Sign in", loginPage.Html, StringComparison.Ordinal);

        // Act 2: after the password, IdP asks for consent, naming the client and what it wants.
        outcome = await browser.LoginAsync(loginPage, "alice", "Correct-Horse-9");
        var consentPage = outcome.RequirePage();
        Assert.Contains("/connect/consent", consentPage.Url, StringComparison.Ordinal);
        Assert.True(consentPage.Contains("Web App"));
        Assert.True(consentPage.Contains("Your e-mail address"));

        // Act 3: consent sends the browser back to the client's exact redirect URI with a code and the state.
        outcome = await browser.ConsentAsync(consentPage);
        var callback = outcome.RedirectParameters();
        Assert.Equal("state-1", callback["state"]);
        Assert.Equal(IdpFactory.Issuer, callback["iss"]); // RFC 9207

        // Act 4: the client redeems the code with its PKCE verifier.
        var tokens = (await client.RedeemCodeAsync(callback["code"], pkce.Verifier)).EnsureSuccess();

        // Assert: both tokens verify against the JWKS with RS256 and a kid, and say who, how and for whom.
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var accessToken = await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt", audience: "idp");
        Assert.Equal(user.Id, accessToken.Subject);
        Assert.Equal("web-app", accessToken.GetClaim("client_id").Value);
        Assert.Equal("openid profile email offline_access", accessToken.GetClaim("scope").Value);
        Assert.False(string.IsNullOrEmpty(accessToken.Id)); // jti
        Assert.True(accessToken.TryGetClaim("iat", out _));
        Assert.Equal(600, (accessToken.ValidTo - accessToken.IssuedAt).TotalSeconds, 1);
        Assert.Equal(["pwd", "otp", "mfa"], Amr(accessToken));
        Assert.Equal("urn:idp:acr:mfa", accessToken.GetClaim("acr").Value);

        var idToken = await TokenVerifier.VerifyAsync(jwks, tokens.IdToken!, "JWT", audience: "web-app");
        Assert.Equal(user.Id, idToken.Subject);
        Assert.Equal("nonce-state-1", idToken.GetClaim("nonce").Value);
        Assert.Equal("alice@example.com", idToken.GetClaim("email").Value);
        Assert.True(idToken.TryGetClaim("auth_time", out _));
        Assert.Equal(["pwd", "otp", "mfa"], Amr(idToken));
        Assert.Equal("urn:idp:acr:mfa", idToken.GetClaim("acr").Value);

        // Userinfo answers with the claims the scopes allow.
        var (status, userInfo) = await client.UserInfoAsync(tokens.AccessToken!);
        Assert.Equal(200, status);
        Assert.Equal(user.Id, userInfo.GetProperty("sub").GetString());
        Assert.Equal("alice", userInfo.GetProperty("preferred_username").GetString());
        Assert.Equal("alice@example.com", userInfo.GetProperty("email").GetString());

        // Refresh tokens rotate: a new refresh token each time.
        var refreshed = (await client.RefreshAsync(tokens.RefreshToken!)).EnsureSuccess();
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);

        // Introspection (RFC 7662) sees the new access token as active, then inactive once revoked (RFC 7009).
        Assert.True(await IsActiveAsync(client, refreshed.AccessToken!));
        var revocation = await client.SendAsync("/connect/revoke", ("token", refreshed.AccessToken), ("token_type_hint", "access_token"));
        Assert.Equal(200, revocation.Status);
        Assert.False(await IsActiveAsync(client, refreshed.AccessToken!));

        // RFC 9700 §4.14.2: the old refresh token, reused after the leeway, is refused and revokes the whole chain.
        idp.Clock.Advance(TimeSpan.FromMinutes(1));
        var reuse = await client.RefreshAsync(tokens.RefreshToken!);
        Assert.Equal(Errors.InvalidGrant, reuse.Error);
        var afterReuse = await client.RefreshAsync(refreshed.RefreshToken!);
        Assert.Equal(Errors.InvalidGrant, afterReuse.Error);

        // End session: the id_token_hint belongs to the revoked chain, so IdP asks the user to confirm, then
        // sends them to the registered post-logout URI with the state.
        outcome = await browser.NavigateAsync(
            $"/connect/endsession?id_token_hint={tokens.IdToken}&post_logout_redirect_uri={Uri.EscapeDataString("https://app.example/signed-out")}&state=bye");
        outcome = await browser.SubmitAsync(outcome.RequirePage());
        Assert.Equal("https://app.example/signed-out?state=bye", outcome.RequireRedirect().ToString());

        // The SSO session is gone: the next authorization request asks for the password again.
        outcome = await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create()));
        Assert.Contains("/account/login", outcome.RequirePage().Url, StringComparison.Ordinal);
    }

    private static string[] Amr(Microsoft.IdentityModel.JsonWebTokens.JsonWebToken token)
        => [.. token.Claims.Where(c => c.Type == "amr").Select(c => c.Value)];

    private static async Task<bool> IsActiveAsync(OidcClient client, string token)
    {
        var introspection = await client.SendAsync("/connect/introspect", ("token", token));
        Assert.Equal(200, introspection.Status);
        return introspection.Json.GetProperty("active").GetBoolean();
    }
}
