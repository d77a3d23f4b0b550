using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>A command-line tool signs a user in through the device authorization grant (RFC 8628).</summary>
public sealed class DeviceFlowTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private const string Password = "Correct-Horse-9";

    private Task<bool> SeedAsync() => idp.OnceAsync("cli", async () =>
    {
        await idp.CreateUserAsync("dana", Password);
        await idp.CreateClientAsync(new ClientSpec("zowe-cli", ClientKind.Public, [GrantTypes.DeviceCode, GrantTypes.RefreshToken],
            [], [], [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess], DisplayName: "Zowe CLI"));
        return true;
    });

    private static async Task<(string DeviceCode, string UserCode, string VerificationUri)> StartAsync(OidcClient cli)
    {
        var authorization = await cli.SendAsync("/connect/device", ("scope", "openid profile offline_access"));
        Assert.Equal(200, authorization.Status);
        return (authorization.Get("device_code")!, authorization.Get("user_code")!, authorization.Get("verification_uri")!);
    }

    private static Task<TokenResponse> PollAsync(OidcClient cli, string deviceCode)
        => cli.PostTokenAsync(("grant_type", GrantTypes.DeviceCode), ("device_code", deviceCode));

    [Fact]
    public async Task a_cli_gets_tokens_after_the_user_enters_the_code_signs_in_and_approves()
    {
        await SeedAsync();
        var cli = new OidcClient(idp.CreateClient(), "zowe-cli");
        var (deviceCode, userCode, verificationUri) = await StartAsync(cli);
        Assert.Equal(IdpFactory.Issuer + "connect/verify", verificationUri);

        // Until the user approves, the CLI is told to keep polling.
        Assert.Equal(Errors.AuthorizationPending, (await PollAsync(cli, deviceCode)).Error);

        // The user opens the verification page, signs in, types the code, and approves.
        using var browser = idp.CreateBrowser();
        var outcome = await browser.NavigateAsync("/connect/verify");
        outcome = await browser.LoginAsync(outcome.RequirePage(), "dana", Password);
        var entry = outcome.RequirePage();
        Assert.Contains("/connect/verify", entry.Url, StringComparison.Ordinal);
        outcome = await browser.SubmitAsync(entry, 0, ("user_code", userCode));
        var approval = outcome.RequirePage();
        Assert.True(approval.Contains("Zowe CLI"), approval.Html);
        outcome = await browser.SubmitAsync(approval, 0, ("decision", "approve"));
        Assert.True(outcome.RequirePage().Contains("Device connected"));

        // The next poll gets tokens for the user.
        var tokens = (await PollAsync(cli, deviceCode)).EnsureSuccess();
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var accessToken = await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt");
        var (_, userInfo) = await cli.UserInfoAsync(tokens.AccessToken!);
        Assert.Equal(userInfo.GetProperty("sub").GetString(), accessToken.Subject);
        Assert.Equal("dana", userInfo.GetProperty("preferred_username").GetString());
        Assert.NotNull(tokens.RefreshToken);
    }

    [Fact]
    public async Task a_denied_request_tells_the_cli_access_denied()
    {
        await SeedAsync();
        var cli = new OidcClient(idp.CreateClient(), "zowe-cli");
        var (deviceCode, userCode, _) = await StartAsync(cli);

        using var browser = idp.CreateBrowser();
        var outcome = await browser.NavigateAsync("/connect/verify?user_code=" + Uri.EscapeDataString(userCode));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "dana", Password);
        outcome = await browser.SubmitAsync(outcome.RequirePage(), 0, ("decision", "deny"));

        Assert.True(outcome.RequirePage().Contains("Request denied"));
        Assert.Equal(Errors.AccessDenied, (await PollAsync(cli, deviceCode)).Error);
    }

    [Fact]
    public async Task a_wrong_user_code_explains_what_to_do()
    {
        await SeedAsync();
        using var browser = idp.CreateBrowser();
        var outcome = await browser.NavigateAsync("/connect/verify?user_code=WRONG-CODE");
        outcome = await browser.LoginAsync(outcome.RequirePage(), "dana", Password);

        var page = outcome.RequirePage();
        Assert.True(page.Contains("That code is not valid or has expired"), page.Html);
    }

    [Fact]
    public async Task a_device_request_for_a_passkey_only_client_needs_a_passkey_not_a_code_session()
    {
        // Arrange: a CLI registered with the phishing-resistant policy, and a user signed in with password + code.
        await SeedAsync();
        await idp.CreateClientAsync(new ClientSpec("strict-cli", ClientKind.Public, [GrantTypes.DeviceCode, GrantTypes.RefreshToken], [], [],
            [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess], MfaPolicy: IdP.Server.Mfa.ClientMfaPolicy.PhishingResistant));
        var cli = new OidcClient(idp.CreateClient(), "strict-cli");
        var (deviceCode, userCode, _) = await StartAsync(cli);
        using var browser = idp.CreateBrowser();

        // Act: the user opens the verification page with the code.
        var outcome = await browser.NavigateAsync("/connect/verify?user_code=" + Uri.EscapeDataString(userCode));
        outcome = await browser.LoginAsync(outcome.RequirePage(), "dana", Password);

        // Assert: IdP asks for a passkey instead of offering "Allow", and the CLI gets nothing.
        var page = outcome.RequirePage();
        Assert.True(page.Contains("This application needs a passkey"), page.Html);
        var forged = await browser.PostAsync("/connect/verify", ("user_code", userCode), ("decision", "approve"));
        Assert.Null(forged.RedirectedTo);
        Assert.Equal(Errors.AuthorizationPending, (await PollAsync(cli, deviceCode)).Error);
    }
}
