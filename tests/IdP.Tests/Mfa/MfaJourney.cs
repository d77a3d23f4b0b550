using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mfa;

/// <summary>A user part-way through signing in: the password is accepted and IdP shows the second step.</summary>
public sealed record SecondStep(BrowserClient Browser, Page Page, OidcClient Client, Pkce Pkce) : IDisposable
{
    public Task<Outcome> EnterCodeAsync(string code) => Browser.SubmitAsync(Page, 0, ("Code", code));

    public void Dispose() => Browser.Dispose();
}

/// <summary>Shared steps of the MFA tests.</summary>
public static class MfaJourney
{
    public const string Password = "Correct-Horse-9";
    public const string ClientId = "mfa-app";

    public static Task<bool> SeedClientAsync(IdpFactory idp) => idp.OnceAsync("mfa-client", async () =>
    {
        await idp.CreateClientAsync(new ClientSpec(ClientId, ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile]));
        return true;
    });

    /// <summary>Starts an authorization request, enters the password, and stops at the second step.</summary>
    public static async Task<SecondStep> AtSecondStepAsync(this IdpFactory idp, string userName, string clientId = ClientId,
        params (string Name, string Value)[] extra)
    {
        var browser = idp.CreateBrowser();
        var client = new OidcClient(idp.CreateClient(), clientId);
        var pkce = Pkce.Create();
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(pkce, "openid profile", extra: extra));
        outcome = await browser.SubmitPasswordAsync(outcome.RequirePage(), userName, Password);
        var page = outcome.RequirePage();
        Assert.Contains("/account/mfa", page.Url, StringComparison.Ordinal);
        return new SecondStep(browser, page, client, pkce);
    }

    /// <summary>Asserts the browser was sent back to the client with a code, and redeems it.</summary>
    public static async Task<TokenResponse> ExpectCodeAsync(this SecondStep step, Outcome outcome)
    {
        var parameters = outcome.RedirectParameters();
        Assert.True(parameters.ContainsKey("code"), "Expected the client to receive a code.");
        return (await step.Client.RedeemCodeAsync(parameters["code"], step.Pkce.Verifier)).EnsureSuccess();
    }

    public static string[] Amr(this Microsoft.IdentityModel.JsonWebTokens.JsonWebToken token)
        => [.. token.Claims.Where(c => c.Type == "amr").Select(c => c.Value)];
}
