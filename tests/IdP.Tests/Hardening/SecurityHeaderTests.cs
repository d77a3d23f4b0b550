using System.Net;
using System.Text.Json;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace IdP.Tests.Hardening;

/// <summary>What every response tells the browser, what cookies IdP sets, and that no request header moves the issuer.</summary>
public sealed class SecurityHeaderTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task pages_carry_a_content_security_policy_without_inline_script_and_the_other_security_headers()
    {
        var response = await idp.CreateClient().GetAsync("/account/login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("img-src 'self' data:", csp, StringComparison.Ordinal); // TOTP enrolment QR codes
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task protocol_json_is_served_with_nosniff()
    {
        var response = await idp.CreateClient().GetAsync("/.well-known/openid-configuration");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task a_forged_host_or_x_forwarded_host_even_through_a_trusted_proxy_does_not_change_the_issuer()
    {
        using var proxied = new PeerIdpFactory(new Dictionary<string, string?> { ["Server:KnownProxies:0"] = "10.0.0.1" });
        using var client = proxied.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://evil.example/") });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/.well-known/openid-configuration");
        request.Headers.Add(PeerIdpFactory.PeerHeader, "10.0.0.1");
        request.Headers.Add("X-Forwarded-Host", "attacker.example");
        request.Headers.Add("X-Forwarded-For", "198.51.100.1");

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(IdpFactory.Issuer, document.GetProperty("issuer").GetString());
    }

    [Fact]
    public async Task with_allowed_hosts_set_a_request_for_another_host_is_refused_outright()
    {
        using var restricted = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["AllowedHosts"] = "idp.example" });
        using var ours = restricted.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://idp.example/") });
        using var other = restricted.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://evil.example/") });

        Assert.Equal(HttpStatusCode.OK, (await ours.GetAsync("/.well-known/openid-configuration")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await other.GetAsync("/.well-known/openid-configuration")).StatusCode);
    }

    [Fact]
    public async Task with_https_required_cookies_are_secure_and_http_only_and_https_responses_carry_hsts()
    {
        using var secure = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Server:Issuer"] = "https://idp.example/",
            ["Server:RequireHttps"] = "true",
        });
        await secure.CreateUserAsync("carol", "Carol-Password-1");
        using var https = secure.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://idp.example/"), AllowAutoRedirect = false, HandleCookies = false });

        var page = await https.GetAsync("/account/login");
        Assert.Equal("max-age=31536000", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));
        var antiforgery = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        AssertFlags(antiforgery, "secure", "httponly", "samesite=strict");

        // The password step: the short-lived second-factor cookie.
        var form = HtmlForm.Parse(await page.Content.ReadAsStringAsync(), "/account/login")[0];
        using var login = new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = form.With(("Input.UserName", "carol"), ("Input.Password", "Carol-Password-1")) };
        login.Headers.Add("Cookie", antiforgery.Split(';')[0]);
        var pending = await https.SendAsync(login);
        Assert.Equal(HttpStatusCode.Redirect, pending.StatusCode);
        AssertFlags(Assert.Single(pending.Headers.GetValues("Set-Cookie"), c => c.StartsWith("idp.mfa=", StringComparison.Ordinal)), "secure", "httponly", "samesite=lax");

        using var http = secure.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://idp.example/"), HandleCookies = false });
        var plain = await http.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"), "HSTS is only meaningful (and only allowed) over HTTPS.");
    }

    [Fact]
    public async Task the_hsts_max_age_is_the_configured_one()
    {
        using var secure = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Server:Issuer"] = "https://idp.example/",
            ["Server:RequireHttps"] = "true",
            ["Server:HstsMaxAge"] = "1.00:00:00",
        });
        using var https = secure.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://idp.example/") });

        var page = await https.GetAsync("/.well-known/openid-configuration");

        Assert.Equal("max-age=86400", Assert.Single(page.Headers.GetValues("Strict-Transport-Security")));
    }

    private static void AssertFlags(string setCookie, params string[] flags)
    {
        var attributes = setCookie.Split(';').Select(a => a.Trim().ToLowerInvariant()).ToList();
        foreach (var flag in flags)
        {
            Assert.True(attributes.Contains(flag), $"Cookie '{setCookie}' lacks '{flag}'.");
        }
    }
}
