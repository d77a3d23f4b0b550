using System.Text.Json;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Administration;

/// <summary><c>clients ...</c>: secrets that work at the real token endpoint, and registrations refused whole.</summary>
public sealed class ClientCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Fact]
    public async Task clients_add_confidential_prints_a_secret_once_that_works_at_the_token_endpoint()
    {
        // Act
        var added = (await cli.RunAsync("clients", "add", "reporting", "--confidential", "--grant", "client_credentials")).EnsureSuccess();

        // Assert: the secret is on its own line, with the warning that it will not be shown again.
        var secretLine = Assert.Single(added.Stdout.Split('\n'), line => line.StartsWith("Client secret: ", StringComparison.Ordinal));
        var secret = secretLine["Client secret: ".Length..].Trim();
        Assert.True(secret.Length >= 43, "A secret of 256 random bits is expected.");
        Assert.Contains("cannot be shown again", added.Stdout, StringComparison.Ordinal);

        var tokens = await new OidcClient(cli.Server.CreateClient(), "reporting", secret).ClientCredentialsAsync();
        tokens.EnsureSuccess();

        var shown = (await cli.RunAsync("clients", "show", "reporting", "--json")).EnsureSuccess();
        Assert.DoesNotContain(secret, shown.Stdout, StringComparison.Ordinal);
        Assert.Equal("confidential", shown.Json.GetProperty("type").GetString());
        Assert.Equal([GrantTypes.ClientCredentials], Strings(shown.Json.GetProperty("grantTypes")));
    }

    [Fact]
    public async Task clients_rotate_secret_makes_the_old_secret_fail_at_once_and_the_new_one_work()
    {
        var added = (await cli.RunAsync("clients", "add", "billing", "--json")).EnsureSuccess().Json;
        var oldSecret = added.GetProperty("secret").GetString()!;
        Assert.Equal([GrantTypes.ClientCredentials], Strings(added.GetProperty("grantTypes"))); // the default for a confidential client

        var rotated = (await cli.RunAsync("clients", "rotate-secret", "billing", "--json")).EnsureSuccess().Json;
        var newSecret = rotated.GetProperty("secret").GetString()!;

        Assert.NotEqual(oldSecret, newSecret);
        var old = await new OidcClient(cli.Server.CreateClient(), "billing", oldSecret).ClientCredentialsAsync();
        Assert.Equal(Errors.InvalidClient, old.Error);
        (await new OidcClient(cli.Server.CreateClient(), "billing", newSecret).ClientCredentialsAsync()).EnsureSuccess();
    }

    [Fact]
    public async Task clients_rotate_secret_reaches_a_running_server_that_holds_the_client_in_memory_at_its_next_poll()
    {
        // Arrange: the running server has served the client, so it holds it (and its secret's digest) in memory.
        var oldSecret = (await cli.RunAsync("clients", "add", "busy-service", "--json")).EnsureSuccess().Json.GetProperty("secret").GetString()!;
        (await new OidcClient(cli.Server.CreateClient(), "busy-service", oldSecret).ClientCredentialsAsync()).EnsureSuccess();

        // Act: the command line is another process; the server learns of the change from the change stamp.
        var newSecret = (await cli.RunAsync("clients", "rotate-secret", "busy-service", "--json")).EnsureSuccess().Json.GetProperty("secret").GetString()!;
        cli.Server.Clock.Advance(TimeSpan.FromSeconds(1)); // ClientCache:ChangePollInterval
        var old = await new OidcClient(cli.Server.CreateClient(), "busy-service", oldSecret).ClientCredentialsAsync();
        var fresh = await new OidcClient(cli.Server.CreateClient(), "busy-service", newSecret).ClientCredentialsAsync();

        // Assert
        Assert.Equal(Errors.InvalidClient, old.Error);
        fresh.EnsureSuccess();
    }

    [Fact]
    public async Task clients_delete_removes_the_client_and_its_secret_stops_working()
    {
        var secret = (await cli.RunAsync("clients", "add", "retired", "--json")).EnsureSuccess().Json.GetProperty("secret").GetString()!;

        (await cli.RunAsync("clients", "delete", "retired")).EnsureSuccess();

        var refused = await new OidcClient(cli.Server.CreateClient(), "retired", secret).ClientCredentialsAsync();
        Assert.Equal(Errors.InvalidClient, refused.Error);
        Assert.Contains("No client named 'retired'", (await cli.RunAsync("clients", "show", "retired")).AssertRefused(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task clients_delete_removes_the_clients_mappings_with_it_and_a_client_created_again_starts_unmapped()
    {
        // Arrange: a mapped client, and another client's mapping that must stay.
        (await cli.RunAsync("clients", "add", "ledger-sync", "--grant", "client_credentials")).EnsureSuccess();
        (await cli.RunAsync("clients", "add", "ledger-audit", "--grant", "client_credentials")).EnsureSuccess();
        (await cli.RunAsync("mappings", "add", "ledger-sync", "--client", "--registry", "ldaps://a.example", "--userid", "LEDGER1")).EnsureSuccess();
        (await cli.RunAsync("mappings", "add", "ledger-sync", "--client", "--registry", "ldaps://b.example", "--userid", "LEDGER2")).EnsureSuccess();
        (await cli.RunAsync("mappings", "add", "ledger-audit", "--client", "--registry", "ldaps://a.example", "--userid", "LEDGER3")).EnsureSuccess();

        // Act
        var deleted = (await cli.RunAsync("clients", "delete", "ledger-sync", "--json")).EnsureSuccess().Json;
        (await cli.RunAsync("clients", "add", "ledger-sync", "--grant", "client_credentials")).EnsureSuccess();

        // Assert: both of its mappings went with it, each audited; the namesake starts with none.
        Assert.Equal(2, deleted.GetProperty("mappingsRemoved").GetInt32());
        Assert.Empty((await cli.RunAsync("mappings", "show", "ledger-sync", "--client", "--json")).EnsureSuccess().Json.EnumerateArray());
        Assert.Single((await cli.RunAsync("mappings", "show", "ledger-audit", "--client", "--json")).EnsureSuccess().Json.EnumerateArray());
        var removals = (await cli.RunAsync("audit", "list", "--type", "mapping.remove", "--json")).EnsureSuccess().Json.EnumerateArray()
            .Where(e => e.GetProperty("clientId").GetString() == "ledger-sync").ToList();
        Assert.Equal(2, removals.Count);
    }

    [Fact]
    public async Task clients_add_public_with_pkce_turned_off_exits_2_and_registers_nothing()
    {
        var result = await cli.RunAsync("clients", "add", "spa", "--public", "--redirect-uri", "https://spa.example/cb", "--require-pkce", "false");

        Assert.Contains("PKCE", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "spa")).AssertRefused();
    }

    [Fact]
    public async Task clients_add_with_an_unknown_scope_exits_2_and_registers_nothing()
    {
        var result = await cli.RunAsync("clients", "add", "greedy", "--grant", "client_credentials", "--scope", "no-such-api");

        Assert.Contains("Unknown scope 'no-such-api'", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "greedy")).AssertRefused();
    }

    [Theory]
    [InlineData("/relative/callback")]
    [InlineData("http://app.example/callback")]
    [InlineData("https://app.example/callback#fragment")]
    [InlineData("https://*.example/callback")]
    [InlineData("javascript:alert(1)")]
    public async Task clients_add_with_a_redirect_uri_that_is_not_exact_https_exits_2(string redirectUri)
    {
        var clientId = "bad-redirect-" + Guid.NewGuid().ToString("N")[..8];

        var result = await cli.RunAsync("clients", "add", clientId, "--public", "--redirect-uri", redirectUri);

        Assert.Contains("--redirect-uri", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", clientId)).AssertRefused();
    }

    [Fact]
    public async Task clients_add_defaults_to_the_code_grant_with_a_redirect_uri_and_adds_refresh_for_offline_access()
    {
        var web = (await cli.RunAsync("clients", "add", "web", "--redirect-uri", "https://web.example/cb", "--scope", "openid", "profile", "--json"))
            .EnsureSuccess().Json;
        var offline = (await cli.RunAsync("clients", "add", "mobile", "--public", "--redirect-uri", "http://127.0.0.1:7000/cb",
            "--scope", "openid offline_access", "--json")).EnsureSuccess().Json;

        Assert.Equal([GrantTypes.AuthorizationCode], Strings(web.GetProperty("grantTypes")));
        Assert.True(web.GetProperty("requirePkce").GetBoolean());
        Assert.Equal([GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], Strings(offline.GetProperty("grantTypes")));
        Assert.Equal(JsonValueKind.Null, offline.GetProperty("secret").ValueKind);
        Assert.Contains(Scopes.OfflineAccess, Strings(offline.GetProperty("scopes")));
    }

    [Fact]
    public async Task clients_add_public_without_a_redirect_uri_or_grant_exits_2_naming_the_grant_option()
    {
        var result = await cli.RunAsync("clients", "add", "tv", "--public");

        Assert.Contains("--grant", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "tv")).AssertRefused();
    }

    [Fact]
    public async Task clients_add_accepts_short_grant_names_repeated_options_consent_and_a_display_name()
    {
        var result = (await cli.RunAsync("clients", "add", "portal", "--public",
            "--grant", "code", "--grant", "refresh", "--grant", "device",
            "--redirect-uri", "https://portal.example/a", "--redirect-uri", "https://portal.example/b",
            "--post-logout-redirect-uri", "https://portal.example/bye",
            "--scope", "openid", "profile", "--scope", "email",
            "--consent", "--display-name", "Self-service portal")).EnsureSuccess();

        Assert.Contains("Created public client 'portal'", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", result.Stdout, StringComparison.OrdinalIgnoreCase);

        var client = (await cli.RunAsync("clients", "show", "portal", "--json")).EnsureSuccess().Json;
        Assert.Equal([GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.DeviceCode], Strings(client.GetProperty("grantTypes")).Order(StringComparer.Ordinal));
        Assert.Equal(["https://portal.example/a", "https://portal.example/b"], Strings(client.GetProperty("redirectUris")).Order(StringComparer.Ordinal));
        Assert.Equal(["https://portal.example/bye"], Strings(client.GetProperty("postLogoutRedirectUris")));
        Assert.Equal([Scopes.Email, Scopes.Profile], Strings(client.GetProperty("scopes")).Order(StringComparer.Ordinal));
        Assert.Equal(ConsentTypes.Explicit, client.GetProperty("consentType").GetString());
        Assert.Equal("Self-service portal", client.GetProperty("displayName").GetString());

        var listed = (await cli.RunAsync("clients", "list", "--json")).EnsureSuccess().Json;
        Assert.Contains("portal", listed.EnumerateArray().Select(c => c.GetProperty("clientId").GetString()));
    }

    [Fact]
    public async Task clients_add_with_an_unknown_grant_or_both_kinds_exits_2_before_touching_anything()
    {
        Assert.Contains("Unknown grant type 'implicit'", (await cli.RunAsync("clients", "add", "old", "--grant", "implicit")).AssertRefused(), StringComparison.Ordinal);
        Assert.Contains("--public or --confidential", (await cli.RunAsync("clients", "add", "old", "--public", "--confidential")).AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "old")).AssertRefused();
    }

    [Fact]
    public async Task clients_rotate_secret_of_a_public_client_exits_2()
    {
        (await cli.RunAsync("clients", "add", "cli-tool", "--public", "--grant", "device_code")).EnsureSuccess();

        Assert.Contains("public", (await cli.RunAsync("clients", "rotate-secret", "cli-tool")).AssertRefused(), StringComparison.Ordinal);
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task clients_add_with_a_jwks_file_registers_a_private_key_jwt_client_with_no_secret()
    {
        // Arrange
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var jwksPath = Path.Combine(cli.DataDirectory, "signer.jwks.json");
        Directory.CreateDirectory(cli.DataDirectory);
        await File.WriteAllTextAsync(jwksPath, System.Text.Json.JsonSerializer.Serialize(new { keys = ClientAssertion.PublicJwks(key).Keys }));

        // Act
        var added = (await cli.RunAsync("clients", "add", "signer", "--confidential", "--grant", "client_credentials", "--jwks-file", jwksPath)).EnsureSuccess();

        // Assert: no secret exists, and a signed assertion is what gets a token.
        Assert.DoesNotContain("Client secret", added.Stdout, StringComparison.Ordinal);
        var tokens = await ClientAssertion.RequestTokenAsync(cli.Server.CreateClient(), "signer", ClientAssertion.Create(key, "signer", IdpFactory.Issuer));
        tokens.EnsureSuccess();
    }

    [Fact]
    public async Task clients_add_with_a_jwks_holding_a_private_key_or_a_missing_file_exits_2()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var jwksPath = Path.Combine(cli.DataDirectory, "leaky.jwks.json");
        Directory.CreateDirectory(cli.DataDirectory);
        await File.WriteAllTextAsync(jwksPath, System.Text.Json.JsonSerializer.Serialize(new { keys = ClientAssertion.PublicJwks(key, includePrivate: true).Keys }));

        var leaky = (await cli.RunAsync("clients", "add", "leaky", "--confidential", "--grant", "client_credentials", "--jwks-file", jwksPath)).AssertRefused();
        Assert.Contains("public keys only", leaky, StringComparison.Ordinal);

        (await cli.RunAsync("clients", "add", "ghost", "--confidential", "--grant", "client_credentials", "--jwks-file", "/nonexistent/jwks.json")).AssertRefused();
        Assert.Equal(2, (await cli.RunAsync("clients", "show", "leaky")).ExitCode);
    }
}
