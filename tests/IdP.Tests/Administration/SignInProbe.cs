using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary>What IdP asked for right after a correct password.</summary>
internal enum SecondStep
{
    /// <summary>Nothing: the user went straight back to the client.</summary>
    None,

    /// <summary>A code from an authenticator the user already has.</summary>
    Code,

    /// <summary>Setting up a first authenticator.</summary>
    Enrolment,
}

/// <summary>Tries a password sign-in through the real server's login page, as a user would.</summary>
internal static class SignInProbe
{
    private const string ClientId = "probe-web";

    /// <summary>Signs in and redeems the code; returns the access token's subject, or the login page's message.</summary>
    public static async Task<(string? Subject, string? Refusal)> SignInAsync(AdminCli cli, string userName, string password)
    {
        var (browser, client, pkce) = await StartAsync(cli);
        using (browser)
        {
            var outcome = await browser.LoginAsync(browser.CurrentPage!, userName, password);
            if (outcome.Page is { } page)
            {
                return (null, page.Contains("This account is disabled") ? "disabled"
                    : page.Contains("The user name or password is incorrect") ? "incorrect"
                    : throw new Xunit.Sdk.XunitException($"Unexpected page after login: {page.Url}"));
            }

            return (await SubjectAsync(cli, client, pkce, outcome), null);
        }
    }

    /// <summary>
    /// Signs in with a correct password, notes which second step IdP asked for, answers it with the user's
    /// authenticator (<see cref="IdpFactory.Authenticators"/>), and returns the access token's subject.
    /// </summary>
    public static async Task<(SecondStep Step, string Subject)> SignInNotingSecondStepAsync(AdminCli cli, string userName, string password)
    {
        var (browser, client, pkce) = await StartAsync(cli);
        using (browser)
        {
            var afterPassword = await browser.SubmitPasswordAsync(browser.CurrentPage!, userName, password);
            var step = afterPassword.Page?.Url switch
            {
                null => SecondStep.None,
                var url when url.Contains("/account/mfa/enroll", StringComparison.Ordinal) => SecondStep.Enrolment,
                var url when url.Contains("/account/mfa?", StringComparison.Ordinal) => SecondStep.Code,
                var url => throw new Xunit.Sdk.XunitException($"Unexpected page after the password: {url}"),
            };

            var outcome = await browser.CompleteSecondFactorAsync(afterPassword, userName);
            return (step, await SubjectAsync(cli, client, pkce, outcome));
        }
    }

    private static async Task<(BrowserClient Browser, OidcClient Client, Pkce Pkce)> StartAsync(AdminCli cli)
    {
        if ((await cli.RunAsync("clients", "show", ClientId)).ExitCode != 0)
        {
            (await cli.RunAsync("clients", "add", ClientId, "--public", "--redirect-uri", OidcClient.DefaultRedirectUri, "--scope", "openid", "profile"))
                .EnsureSuccess();
        }

        var browser = cli.Server.CreateBrowser();
        var pkce = Pkce.Create();
        var client = new OidcClient(cli.Server.CreateClient(), ClientId);
        (await browser.NavigateAsync(client.AuthorizeUrl(pkce))).RequirePage();
        return (browser, client, pkce);
    }

    private static async Task<string> SubjectAsync(AdminCli cli, OidcClient client, Pkce pkce, Outcome outcome)
    {
        var tokens = (await client.RedeemCodeAsync(outcome.RedirectParameters()["code"], pkce.Verifier)).EnsureSuccess();
        var jwt = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(cli.Server.CreateClient()), tokens.AccessToken!, "at+jwt");
        return jwt.Subject;
    }
}
