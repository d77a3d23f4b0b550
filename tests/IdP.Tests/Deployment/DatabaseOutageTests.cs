using System.Net;
using System.Text.Json;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Deployment;

/// <summary>
/// PostgreSQL stops under a running IdP and comes back: readiness fails, requests get 503 (OAuth-shaped JSON for
/// protocol clients, a page for people, never a 500), and IdP recovers without a restart.
/// </summary>
[Trait(TestDatabase.Trait, TestDatabase.PostgreSqlOnly)]
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task when_postgresql_stops_idp_answers_503_and_recovers_by_itself_when_it_returns()
    {
        // Arrange: a cluster of this test's own (it is stopped), a user signed in with a refresh token.
        await using var cluster = PostgreSqlCluster.Start();
        await cluster.CreateDatabaseAsync("idp");
        using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = cluster.ConnectionStringFor("idp"),
        });
        await idp.CreateUserAsync("olga", "Outage-Proof-7");
        var secret = await idp.CreateClientAsync(new ClientSpec("outage-app", ClientKind.Confidential,
            [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [OidcClient.DefaultRedirectUri], [],
            [Scopes.OpenId, Scopes.OfflineAccess]));
        var client = new OidcClient(idp.CreateClient(), "outage-app", secret);
        var tokens = await idp.SignInAndRedeemAsync(client, "olga", "Outage-Proof-7", "openid offline_access");
        using var http = idp.CreateClient();
        using var person = idp.CreateBrowser();
        var loginPage = (await person.NavigateAsync("/account/login")).RequirePage();

        // Act: the database goes away.
        cluster.StopServer();

        // Assert: not ready (live stays up, so no orchestrator restarts a healthy process).
        using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        using (var live = await http.GetAsync(new Uri("/health/live", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // A protocol client gets RFC 6749 §5.2 JSON with 503 and Retry-After.
        using (var refresh = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
               {
                   ["grant_type"] = GrantTypes.RefreshToken, ["refresh_token"] = tokens.RefreshToken!,
                   ["client_id"] = "outage-app", ["client_secret"] = secret!,
               })))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refresh.StatusCode);
            Assert.NotNull(refresh.Headers.RetryAfter);
            var error = JsonDocument.Parse(await refresh.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(Errors.TemporarilyUnavailable, error.GetProperty("error").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("error_description").GetString()));
        }

        // A person signing in gets a page that says what to do, with no trace of the exception.
        var signIn = await person.SubmitAsync(loginPage, 0, ("Input.UserName", "olga"), ("Input.Password", "Outage-Proof-7"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, signIn.Response.StatusCode);
        var page = await signIn.Response.Content.ReadAsStringAsync();
        Assert.Contains("briefly unavailable", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", page, StringComparison.Ordinal);

        // Act: the database returns; IdP is not restarted.
        cluster.StartServer();

        // Assert: ready again within seconds, and the same refresh token and sign-in work.
        await WaitForAsync(async () =>
        {
            using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return ready.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30));
        (await client.RefreshAsync(tokens.RefreshToken!)).EnsureSuccess();
        using var again = idp.CreateBrowser();
        var secondCode = await again.SignInForCodeAsync(client, Pkce.Create(), "olga", "Outage-Proof-7", "openid");
        Assert.False(string.IsNullOrEmpty(secondCode));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Not recovered within {timeout}.");
            await Task.Delay(250);
        }
    }
}
