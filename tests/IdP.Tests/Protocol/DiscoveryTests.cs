using System.Text.Json;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Protocol;

/// <summary>What a client library or the mainframe gateway reads before anything else.</summary>
public sealed class DiscoveryTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private static string[] Strings(JsonElement document, string name)
        => [.. document.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task discovery_describes_exactly_what_idp_supports()
    {
        await idp.AdministerAsync(async services =>
        {
            await services.GetRequiredService<ScopeAdministration>().AddAsync("zowe", ["zowe-gateway"], null);
            return true;
        });

        var document = JsonDocument.Parse(await idp.CreateClient().GetStringAsync("/.well-known/openid-configuration")).RootElement;

        Assert.Equal(IdpFactory.Issuer, document.GetProperty("issuer").GetString());
        foreach (var (name, path) in new[]
        {
            ("authorization_endpoint", "connect/authorize"), ("token_endpoint", "connect/token"), ("userinfo_endpoint", "connect/userinfo"),
            ("end_session_endpoint", "connect/endsession"), ("introspection_endpoint", "connect/introspect"),
            ("revocation_endpoint", "connect/revoke"), ("device_authorization_endpoint", "connect/device"), ("jwks_uri", ".well-known/jwks"),
        })
        {
            Assert.Equal(IdpFactory.Issuer + path, document.GetProperty(name).GetString());
        }

        Assert.Equal(["S256"], Strings(document, "code_challenge_methods_supported"));
        Assert.Equal(["code"], Strings(document, "response_types_supported"));
        Assert.Equal(["RS256"], Strings(document, "id_token_signing_alg_values_supported"));
        Assert.Equivalent(new[] { "authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code" },
            Strings(document, "grant_types_supported"), strict: true);
        Assert.Equivalent(new[] { "openid", "profile", "email", "offline_access", "mainframe", "zowe" }, Strings(document, "scopes_supported"), strict: true);
        Assert.Contains("client_secret_basic", Strings(document, "token_endpoint_auth_methods_supported"));
        Assert.Contains("client_secret_post", Strings(document, "token_endpoint_auth_methods_supported"));
        Assert.DoesNotContain("select_account", Strings(document, "prompt_values_supported"));
        Assert.True(document.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
    }

    [Fact]
    public async Task the_jwks_publishes_rsa_signing_keys_with_kid_use_and_alg_and_no_private_parts()
    {
        var jwks = JsonDocument.Parse(await idp.CreateClient().GetStringAsync("/.well-known/jwks")).RootElement;

        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("kid").GetString()));
        Assert.Equal(256, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(key.GetProperty("n").GetString()).Length); // RSA-2048
        foreach (var privatePart in new[] { "d", "p", "q", "dp", "dq", "qi" })
        {
            Assert.False(key.TryGetProperty(privatePart, out _), $"The JWKS leaks the private parameter '{privatePart}'.");
        }
    }

    [Fact]
    public async Task a_forged_host_header_changes_no_url_in_the_discovery_document()
    {
        // A request that claims to be for another host (or arrives through a misconfigured proxy).
        using var forged = idp.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://evil.example/") });

        var document = JsonDocument.Parse(await forged.GetStringAsync("/.well-known/openid-configuration")).RootElement;

        var urls = document.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.StartsWith("http", StringComparison.Ordinal))
            .Select(p => (p.Name, Url: p.Value.GetString()!)).ToList();
        Assert.Contains(urls, u => u.Name == "token_endpoint");
        Assert.All(urls, u => Assert.StartsWith(IdpFactory.Issuer, u.Url, StringComparison.Ordinal));
    }
}
