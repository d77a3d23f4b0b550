using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary>Tries a password sign-in through the real server's login page, as a user would.</summary>
internal static class SignInProbe
{
    private const string ClientId = "probe-web";

    /// <summary>Signs in and redeems the code; returns the access token's subject, or the login page's message.</summary>
    public static async Task<(string? Subject, string? Refusal)> SignInAsync(AdminCli cli, string userName, string password)
    {
        var server = cli.Server;
        if ((await cli.RunAsync("clients", "show", ClientId)).ExitCode != 0)
        {
            (await cli.RunAsync("clients", "add", ClientId, "--public", "--redirect-uri", OidcClient.DefaultRedirectUri, "--scope", "openid", "profile"))
                .EnsureSuccess();
        }

        using var browser = server.CreateBrowser();
        var client = new OidcClient(server.CreateClient(), ClientId);
        var pkce = Pkce.Create();
        var outcome = await browser.NavigateAsync(client.AuthorizeUrl(pkce));
        outcome = await browser.LoginAsync(outcome.RequirePage(), userName, password);
        if (outcome.Page is { } page)
        {
            return (null, page.Contains("This account is disabled") ? "disabled"
                : page.Contains("The user name or password is incorrect") ? "incorrect"
                : throw new Xunit.Sdk.XunitException($"Unexpected page after login: {page.Url}"));
        }

        var tokens = (await client.RedeemCodeAsync(outcome.RedirectParameters()["code"], pkce.Verifier)).EnsureSuccess();
        var jwt = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(server.CreateClient()), tokens.AccessToken!, "at+jwt");
        return (jwt.Subject, null);
    }
}
