using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>
/// What a warm browser sign-in (password, TOTP code, code redeemed with PKCE) costs the database, request by request,
/// counted by an EF Core command interceptor on the real pipeline. Before these counts were pinned a sign-in sent 29
/// commands; a regression shows here with the SQL that was sent.
/// </summary>
public sealed class SignInRoundTripTests
{
    [Fact]
    public async Task a_warm_sign_in_sends_each_sql_command_it_needs_and_no_other()
    {
        // Arrange: a web client and two users; one sign-in warms the caches.
        using var idp = new CountingIdpFactory();
        await idp.CreateUserAsync("warm", "Correct-Horse-9");
        await idp.CreateUserAsync("alice", "Correct-Horse-9");
        var secret = await idp.CreateClientAsync(new ClientSpec("web-app", ClientKind.Confidential,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], [],
            [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess], RequireConsent: false, DisplayName: "Web App"));
        var client = new OidcClient(idp.CreateClient(), "web-app", secret);
        await SignInAndRedeemAsync(idp, client, "warm");
        idp.Counter.Clear();

        // Act
        var tokens = await SignInAndRedeemAsync(idp, client, "alice");

        // Assert: the tokens came, and each request sent exactly what it needs (a client-cache poll may fall due
        // anywhere and is not counted).
        Assert.NotNull(tokens.RefreshToken);
        var sent = idp.Counter.Paths.Zip(idp.Counter.Commands, (path, sql) => (Path: path, Sql: sql))
            .Where(command => !command.Sql.Contains("\"IdpClientChangeStamp\"", StringComparison.Ordinal))
            .ToList();
        var listing = string.Join("\n", sent.Select(command => command.Path + ": " + command.Sql.ReplaceLineEndings(" ")[..Math.Min(120, command.Sql.Length)]));

        // Password: the account, and the audit record.
        Assert.True(Count("POST /account/login") == 2, listing);
        // The second step's page: the account, and which kinds of factor it has (one query).
        Assert.True(Count("GET /account/mfa") == 2, listing);
        // The code: the account; the attempt counted (lockout checked in the same statement); the authenticators; the
        // step advanced (replay protection); the failure count reset; the audit record. No claims-table read.
        Assert.True(Count("POST /account/mfa") == 6, listing);
        // Authorization: the account (session check); the client row for the authorization's foreign key; the
        // authorization; the code's row, then its payload. The built-in scopes are never looked up.
        Assert.True(Count("GET /connect/authorize") == 5, listing);
        // Token: the code; the account (re-checked); the code redeemed; the access, refresh and ID token rows.
        Assert.True(Count("POST /connect/token") == 6, listing);
        Assert.True(sent.Count == 21, listing);
        Assert.DoesNotContain(sent, command => command.Sql.Contains("\"OpenIddictScopes\"", StringComparison.Ordinal));
        Assert.DoesNotContain(sent, command => command.Sql.Contains("\"AspNetUserClaims\"", StringComparison.Ordinal));

        int Count(string path) => sent.Count(command => command.Path == path);
    }

    private static async Task<TokenResponse> SignInAndRedeemAsync(CountingIdpFactory idp, OidcClient client, string userName)
    {
        using var browser = idp.CreateBrowser();
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(client, pkce, userName, "Correct-Horse-9", "openid profile offline_access");
        return (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
    }

    private sealed class CountingIdpFactory() : IdpFactory(NewDataDirectory(), new Dictionary<string, string?>())
    {
        public SqlCommandCounter Counter { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => Counter.AttachTo(services, path: null));
        }
    }
}
