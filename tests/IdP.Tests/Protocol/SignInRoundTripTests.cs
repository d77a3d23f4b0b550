using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

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
        var client = new OidcClient(idp.CreateClient(), "web-app", await idp.AddWebClientAsync());
        await idp.SignInAndRedeemAsync(client, "warm", "Correct-Horse-9");
        idp.Counter.Clear();

        // Act
        var tokens = await idp.SignInAndRedeemAsync(client, "alice", "Correct-Horse-9");

        // Assert: the tokens came, and each request sent exactly what it needs (a client-cache poll may fall due
        // anywhere and is not counted).
        Assert.NotNull(tokens.RefreshToken);
        var sent = idp.Counter.Sent
            .Where(command => !command.Sql.Contains("\"IdpClientChangeStamp\"", StringComparison.Ordinal))
            .ToList();
        var listing = string.Join("\n", sent.Select(command => command.Request + ": " + command.Sql.ReplaceLineEndings(" ")[..Math.Min(120, command.Sql.Length)]));

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

        int Count(string request) => sent.Count(command => command.Request == request);
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
