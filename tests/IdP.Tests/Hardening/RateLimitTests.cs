using System.Net;
using System.Text.Json;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using IdP.Tests.Mainframe.GatewayContract;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Hardening;

/// <summary>Password, code and client-secret guessing is slowed per IP and per account, with a 429 a client can act on.</summary>
public sealed class RateLimitTests
{
    private static Dictionary<string, string?> Limits(string group, int perIp, int perAccount, string window, params (string, string)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"RateLimits:{group}:PermitLimitPerIp"] = perIp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimits:{group}:PermitLimitPerAccount"] = perAccount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [$"RateLimits:{group}:Window"] = window,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Submits the real login form (with its antiforgery token) as <paramref name="client"/>.</summary>
    private static async Task<HttpResponseMessage> LoginAsync(HttpClient client, string userName, string path = "/account/login")
    {
        var page = await client.GetAsync("/account/login");
        var html = await page.Content.ReadAsStringAsync();
        var form = HtmlForm.Parse(html, "/account/login")[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = form.With(("Input.UserName", userName), ("Input.Password", "wrong-password")) };
        foreach (var cookie in page.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [])
        {
            request.Headers.Add("Cookie", cookie.Split(';')[0]);
        }

        return await client.SendAsync(request);
    }

    [Fact]
    public async Task an_account_past_its_login_limit_gets_429_with_retry_after_and_others_do_not()
    {
        // A window far longer than the test, so that all four attempts fall in it however slow the machine.
        using var idp = new PeerIdpFactory(Limits("Login", perIp: 100, perAccount: 3, window: "00:01:00"));
        using var client = idp.ClientFrom("203.0.113.10");

        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "alice")).StatusCode); // the form again, "incorrect"
        }

        var limited = await LoginAsync(client, "ALICE "); // same account, however it is typed
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Contains("Too many attempts", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "bob")).StatusCode);
    }

    [Fact]
    public async Task an_accounts_login_limit_resets_after_its_window()
    {
        using var idp = new PeerIdpFactory(Limits("Login", perIp: 100, perAccount: 1, window: "00:00:02"));
        using var client = idp.ClientFrom("203.0.113.12");
        // A first login of another account takes the cold start out of alice's window, which starts at her first
        // attempt: her two attempts must land in it.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "warm-up")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "alice")).StatusCode);
        var limited = await LoginAsync(client, "alice");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        var retryAfter = int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 2);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(600));
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "alice")).StatusCode);
    }

    [Fact]
    public async Task a_trailing_slash_or_another_casing_of_the_login_path_spends_the_same_budget()
    {
        using var idp = new PeerIdpFactory(Limits("Login", perIp: 100, perAccount: 2, window: "00:01:00"));
        using var client = idp.ClientFrom("203.0.113.11");

        // Routing answers all three paths with the login page, so all three must count.
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "alice", "/account/login/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(client, "alice", "/Account/Login")).StatusCode);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(client, "alice", "/account/login/")).StatusCode);
    }

    [Fact]
    public async Task behind_a_configured_proxy_each_forwarded_client_ip_has_its_own_login_budget_and_is_audited()
    {
        using var idp = new PeerIdpFactory(Limits("Login", perIp: 2, perAccount: 100, window: "00:01:00", ("Server:KnownProxies:0", "10.0.0.1")));
        using var first = idp.ClientFrom("10.0.0.1", forwardedFor: "198.51.100.1");
        using var second = idp.ClientFrom("10.0.0.1", forwardedFor: "198.51.100.2");

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(first, "user-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(first, "user-2")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(first, "user-3")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(second, "user-4")).StatusCode);

        // The first attempt (user-1's): the audit log never records what was typed as a user name.
        var audited = await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents
            .Where(e => e.Type == "signin.password" && e.Reason == "unknown user").OrderBy(e => e.Id).Select(e => e.IpAddress).FirstAsync());
        Assert.Equal("198.51.100.1", audited);
    }

    [Fact]
    public async Task x_forwarded_for_from_a_peer_that_is_not_a_configured_proxy_is_ignored()
    {
        using var idp = new PeerIdpFactory(Limits("Login", perIp: 2, perAccount: 100, window: "00:01:00"));
        using var first = idp.ClientFrom("203.0.113.7", forwardedFor: "198.51.100.1");
        using var spoofing = idp.ClientFrom("203.0.113.7", forwardedFor: "198.51.100.2");

        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(first, "user-1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await LoginAsync(first, "user-2")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await LoginAsync(spoofing, "user-3")).StatusCode);

        // The first attempt (user-1's): the audit log never records what was typed as a user name.
        var audited = await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents
            .Where(e => e.Type == "signin.password" && e.Reason == "unknown user").OrderBy(e => e.Id).Select(e => e.IpAddress).FirstAsync());
        Assert.Equal("203.0.113.7", audited);
    }

    [Fact]
    public async Task the_token_endpoint_limits_each_client_before_openiddict_runs_and_answers_an_oauth_error()
    {
        using var idp = new PeerIdpFactory(Limits("Token", perIp: 100, perAccount: 2, window: "00:01:00"));
        using var client = idp.ClientFrom("203.0.113.20");

        Task<HttpResponseMessage> TokenAsync(string clientId, bool basic = false)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
            {
                Content = new FormUrlEncodedContent(basic
                    ? [KeyValuePair.Create("grant_type", "client_credentials")]
                    : [KeyValuePair.Create("grant_type", "client_credentials"), KeyValuePair.Create("client_id", clientId), KeyValuePair.Create("client_secret", "guess")]),
            };
            if (basic)
            {
                request.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:guess")));
            }

            return client.SendAsync(request);
        }

        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await TokenAsync("guessed-client")).StatusCode);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await TokenAsync("guessed-client")).StatusCode);

        var limited = await TokenAsync("guessed-client", basic: true); // the same client, however it authenticates
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 429 must say when to retry.");
        var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("temporarily_unavailable", body.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error_description").GetString()));

        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await TokenAsync("another-client")).StatusCode);
    }

    private static async Task<GatewayKeyServer> StartGatewayKeysAsync()
    {
        var keys = new GatewayKeyServer();
        await keys.StartAsync();
        return keys;
    }

    /// <summary>An IdP that trusts the test gateway's keys, with these mapper limits per minute.</summary>
    private static PeerIdpFactory MapperIdp(GatewayKeyServer gatewayKeys, int perIp, int perAccount)
        => new(Limits("Mapper", perIp, perAccount, window: "00:01:00", ("Mainframe:Mapper:GatewayJwksUrls:0", gatewayKeys.JwksUrl)));

    private static Task<HttpResponseMessage> LookUpAsync(HttpClient client, string path = "/zss/api/v1/certificate/dn", string? gatewayCookie = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"dn":"alice","registry":"ldap://idp"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        if (gatewayCookie is not null)
        {
            request.Headers.Add("Cookie", "apimlAuthenticationToken=" + gatewayCookie);
        }

        return client.SendAsync(request);
    }

    [Fact]
    public async Task the_mapper_limits_each_ip_without_a_verified_gateway_cookie_with_a_503_the_gateway_logs_as_an_error()
    {
        await using var gatewayKeys = await StartGatewayKeysAsync();
        using var idp = MapperIdp(gatewayKeys, perIp: 2, perAccount: 0);
        using var gateway = idp.ClientFrom("203.0.113.30");
        using var other = idp.ClientFrom("203.0.113.31");

        // No credentials, or a cookie that does not verify: refused, and counted against the address.
        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(gateway)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(gateway, "/ZSS/api/v1/certificate/DN", gatewayCookie: "forged")).StatusCode); // the same path, however it is cased

        var limited = await LookUpAsync(gateway);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 503 must say when to retry.");
        var body = JsonDocument.Parse(await limited.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("temporarily_unavailable", body.GetProperty("error").GetString());

        // A trailing slash is no way round the limit (and the mapper answers only its exact path).
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await LookUpAsync(gateway, "/zss/api/v1/certificate/dn/")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await LookUpAsync(other, "/zss/api/v1/certificate/dn/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(other)).StatusCode);

        // The gateway itself, its cookie verified, is not limited per address: served from that same address.
        for (var call = 0; call < 5; call++)
        {
            var served = await LookUpAsync(gateway, gatewayCookie: gatewayKeys.MintCookie(idp.Clock.GetUtcNow()));
            Assert.Equal(HttpStatusCode.Unauthorized, served.StatusCode);
            Assert.Equal(48, JsonDocument.Parse(await served.Content.ReadAsStringAsync()).RootElement.GetProperty("racfReasonCode").GetInt32()); // no mapping for alice
        }
    }

    [Fact]
    public async Task a_verified_gateway_counts_against_its_account_when_an_account_limit_is_set()
    {
        await using var gatewayKeys = await StartGatewayKeysAsync();
        using var idp = MapperIdp(gatewayKeys, perIp: 100, perAccount: 2);
        using var first = idp.ClientFrom("203.0.113.40");
        using var second = idp.ClientFrom("203.0.113.41");

        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(first, gatewayCookie: gatewayKeys.MintCookie(idp.Clock.GetUtcNow()))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(second, gatewayCookie: gatewayKeys.MintCookie(idp.Clock.GetUtcNow(), subject: "zwesvusr"))).StatusCode);

        // Two gateway instances share identityMapperUser, and so one budget.
        var limited = await LookUpAsync(first, gatewayCookie: gatewayKeys.MintCookie(idp.Clock.GetUtcNow()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 503 must say when to retry.");
        Assert.Equal(HttpStatusCode.Unauthorized, (await LookUpAsync(first)).StatusCode); // others count per address
    }
}
