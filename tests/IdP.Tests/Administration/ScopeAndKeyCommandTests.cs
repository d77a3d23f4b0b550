using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary><c>scopes ...</c> and <c>keys list</c>: API audiences in real tokens, and the key the server signs with.</summary>
public sealed class ScopeAndKeyCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Fact]
    public async Task a_client_allowed_an_api_scope_gets_access_tokens_whose_audience_is_the_scopes_resource()
    {
        // Arrange
        var scope = (await cli.RunAsync("scopes", "add", "api", "--resource", "zowe-gateway", "--display-name", "Mainframe API", "--json")).EnsureSuccess();
        var secret = (await cli.RunAsync("clients", "add", "batch", "--grant", "client_credentials", "--scope", "api", "--json"))
            .EnsureSuccess().Json.GetProperty("secret").GetString()!;

        // Act
        var tokens = (await new OidcClient(cli.Server.CreateClient(), "batch", secret).ClientCredentialsAsync("api")).EnsureSuccess();

        // Assert
        Assert.Equal(["zowe-gateway"], scope.Json.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        var jwks = await TokenVerifier.FetchGatewayJwksAsync(cli.Server.CreateClient());
        var accessToken = await TokenVerifier.VerifyAsync(jwks, tokens.AccessToken!, "at+jwt", audience: "zowe-gateway");
        Assert.Equal(["zowe-gateway"], accessToken.Audiences);
        Assert.Equal("api", accessToken.GetClaim("scope").Value);

        var listed = (await cli.RunAsync("scopes", "list")).EnsureSuccess().Stdout;
        Assert.Contains("zowe-gateway", listed, StringComparison.Ordinal);
        Assert.Contains("Mainframe API", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task scopes_add_refuses_a_duplicate_a_built_in_name_and_a_missing_resource_with_exit_2()
    {
        (await cli.RunAsync("scopes", "add", "reports", "--resource", "reporting-api")).EnsureSuccess();

        Assert.Contains("already exists", (await cli.RunAsync("scopes", "add", "reports", "--resource", "other")).AssertRefused(), StringComparison.Ordinal);
        Assert.Contains("built-in", (await cli.RunAsync("scopes", "add", "profile", "--resource", "x")).AssertRefused(), StringComparison.Ordinal);
        Assert.Contains("--resource", (await cli.RunAsync("scopes", "add", "orphan")).AssertRefused(), StringComparison.Ordinal);

        var scopes = (await cli.RunAsync("scopes", "list", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();
        var reports = Assert.Single(scopes, s => s.GetProperty("name").GetString() == "reports");
        Assert.Equal(["reporting-api"], reports.GetProperty("resources").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain(scopes, s => s.GetProperty("name").GetString() is "orphan" or "profile");
    }

    [Fact]
    public async Task keys_list_shows_one_rsa_signing_key_per_set_each_published_in_its_own_jwks_only()
    {
        var keys = (await cli.RunAsync("keys", "list", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();
        var generalJwks = await TokenVerifier.FetchJwksAsync(cli.Server.CreateClient());
        var gatewayJwks = await TokenVerifier.FetchGatewayJwksAsync(cli.Server.CreateClient());
        var table = (await cli.RunAsync("keys", "list")).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Matches(@"^KID\s+STATE\s+USE\s+SET\s+ALG\s+SIZE\s+SOURCE\s+CREATED\s+ACTIVATES\s+RETIRES\s+EXPIRES$", table[0]);
        foreach (var (set, published, other) in new[] { ("general", generalJwks, gatewayJwks), ("gateway", gatewayJwks, generalJwks) })
        {
            var signing = Assert.Single(keys, k => k.GetProperty("use").GetString() == "sig" && k.GetProperty("set").GetString() == set);
            var kid = signing.GetProperty("kid").GetString();
            Assert.False(string.IsNullOrEmpty(kid));
            Assert.Equal("RS256", signing.GetProperty("algorithm").GetString());
            Assert.True(signing.GetProperty("keySize").GetInt32() >= 2048);
            Assert.Equal("database", signing.GetProperty("source").GetString());
            Assert.Equal("active", signing.GetProperty("state").GetString());
            Assert.Equal([kid], published.Keys.Select(k => k.Kid));
            Assert.DoesNotContain(kid, other.Keys.Select(k => k.Kid));
            Assert.Contains(table, line => line.StartsWith(kid + " ", StringComparison.Ordinal) && line.Contains($" {set} ", StringComparison.Ordinal)
                && line.Contains(" RS256 ", StringComparison.Ordinal));
        }

        // The gateway JWKS has the members of OpenIddict's: RSA, for signatures, with its algorithm.
        var gatewayKey = Assert.Single(gatewayJwks.Keys);
        Assert.Equal("RSA", gatewayKey.Kty);
        Assert.Equal("sig", gatewayKey.Use);
        Assert.Equal("RS256", gatewayKey.Alg);
        Assert.False(string.IsNullOrEmpty(gatewayKey.N));
        Assert.Equal("AQAB", gatewayKey.E);
    }
}
