using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IdP.Server.Administration;
using IdP.Server.Mainframe;
using IdP.Tests.Hardening;
using IdP.Tests.Infrastructure;
using IdP.Tests.Mfa;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Observability;

/// <summary>
/// <c>/metrics</c>: what Prometheus scrapes after real sign-ins, tokens and mapper lookups, and the 404 everyone else
/// gets (metrics off, or a caller outside <c>Metrics:AllowedNetworks</c>).
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Password = MfaJourney.Password;
    private const string Registry = "ldaps://idp.example";

    private static Dictionary<string, string?> Metrics(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?> { ["Metrics:Enabled"] = "true" };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task the_scrape_counts_sign_ins_second_factors_lockouts_tokens_and_mapper_lookups_by_outcome()
    {
        // Arrange: a browser application, a service allowed to call the mapper (and mapped), and three users.
        using var idp = new PeerIdpFactory(Metrics());
        await MfaJourney.SeedClientAsync(idp);
        await idp.AdministerAsync(services => services.GetRequiredService<ScopeAdministration>().AddAsync("mapping", ["idp-mapper"], null));
        var secret = await idp.CreateClientAsync(new ClientSpec("batch", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["mapping"]));
        await idp.AdministerAsync(services => services.GetRequiredService<MappingAdministration>()
            .AddAsync(new MappingRequest(IdentityMapping.ClientKind, "batch", Registry, "BATCH1")));
        await idp.CreateUserAsync("alice", Password);
        await idp.CreateUserAsync("bob", Password);
        await idp.CreateUserAsync("carol", Password);

        // Act 1: alice signs in with her password and a code, and the application redeems the code it got.
        using (var browser = idp.CreateBrowser())
        {
            var app = new OidcClient(idp.CreateClient(), MfaJourney.ClientId);
            var pkce = Pkce.Create();
            var code = await browser.SignInForCodeAsync(app, pkce, "alice", Password);
            (await app.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
        }

        // Act 2: bob's password is guessed until it locks; someone tries a user that does not exist.
        using (var browser = idp.CreateBrowser())
        {
            for (var attempt = 0; attempt < 5; attempt++)
            {
                await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), "bob", "Wrong-Horse-1");
            }

            await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), "nobody", "Wrong-Horse-1");
        }

        // Act 3: carol's password is right, then her codes are guessed until the second factor locks.
        using (var step = await idp.AtSecondStepAsync("carol"))
        {
            var page = step.Page;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                page = (await step.Browser.SubmitAsync(page, 0, ("Code", "000000"))).RequirePage();
            }
        }

        // Act 4: the service gets a token and asks the mapper twice; a caller without credentials is refused.
        var token = (await new OidcClient(idp.CreateClient(), "batch", secret).ClientCredentialsAsync("mapping")).EnsureSuccess().AccessToken!;
        Assert.Equal(HttpStatusCode.OK, await CallMapperAsync(idp, "batch", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallMapperAsync(idp, "nobody-mapped", token));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallMapperAsync(idp, "batch", bearer: null));

        using var scraper = idp.ClientFrom("127.0.0.1");

        // ASP.NET Core records a request's duration when the request ends, which can be just after its client has the
        // answer: scrape until the last mapper call is counted (at most 5 s), then assert on that scrape.
        HttpResponseMessage response;
        PrometheusText scrape;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            response = await scraper.GetAsync(new Uri("/metrics", UriKind.Relative));
            scrape = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
            if (scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/zss/api/v1/certificate/dn")) >= 3 || DateTime.UtcNow > deadline)
            {
                break;
            }

            response.Dispose();
            await Task.Delay(50);
        }

        using var _ = response;

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);

        Assert.Equal(2, scrape.Value("idp_logins_total", ("outcome", "success"))); // alice, carol
        Assert.Equal(4, scrape.Value("idp_logins_total", ("outcome", "failure")));
        Assert.Equal(1, scrape.Value("idp_logins_total", ("outcome", "locked_out"))); // bob's fifth
        Assert.Equal(1, scrape.Value("idp_logins_total", ("outcome", "unknown_user")));

        Assert.Equal(1, scrape.Value("idp_second_factor_attempts_total", ("factor", "totp"), ("outcome", "success")));
        Assert.Equal(4, scrape.Value("idp_second_factor_attempts_total", ("factor", "totp"), ("outcome", "failure")));
        Assert.Equal(1, scrape.Value("idp_second_factor_attempts_total", ("factor", "totp"), ("outcome", "locked_out")));

        Assert.Equal(1, scrape.Value("idp_lockouts_total", ("factor", "password")));
        Assert.Equal(1, scrape.Value("idp_lockouts_total", ("factor", "totp")));

        Assert.Equal(1, scrape.Value("idp_tokens_issued_total", ("grant_type", GrantTypes.AuthorizationCode)));
        Assert.Equal(1, scrape.Value("idp_tokens_issued_total", ("grant_type", GrantTypes.ClientCredentials)));

        Assert.Equal(1, scrape.Value("idp_mapper_lookups_total", ("outcome", "mapped")));
        Assert.Equal(1, scrape.Value("idp_mapper_lookups_total", ("outcome", "not_mapped")));
        Assert.Equal(1, scrape.Value("idp_mapper_lookups_total", ("outcome", "unauthorized")));

        // IdP's counters come from its own meter; request latency is ASP.NET Core's histogram, by route.
        Assert.All(scrape.Series("idp_logins_total"), s => Assert.Equal("IdP", s.Labels["otel_scope_name"]));
        Assert.True(scrape.Value("http_server_request_duration_seconds_count", ("http_route", "account/login")) >= 14); // bob's ten, nobody's two, alice's
        Assert.Equal(2, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/connect/token")));
        Assert.Equal(3, scrape.Value("http_server_request_duration_seconds_count", ("http_route", "/zss/api/v1/certificate/dn"))); // the mapper's branch has no endpoint; it names its route itself
        Assert.Contains(scrape.Series("http_server_request_duration_seconds_bucket"), s => s.Labels.GetValueOrDefault("le") == "+Inf");
    }

    [Fact]
    public async Task metrics_are_off_by_default_and_the_path_is_then_a_404_even_from_loopback()
    {
        using var idp = new PeerIdpFactory(new Dictionary<string, string?>());
        using var local = idp.ClientFrom("127.0.0.1");

        using var response = await local.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task by_default_only_loopback_may_scrape_and_anyone_else_gets_a_404()
    {
        using var idp = new PeerIdpFactory(Metrics());

        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(idp.ClientFrom("127.0.0.1")));
        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(idp.ClientFrom("::1")));
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.ClientFrom("203.0.113.7")));
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.ClientFrom("10.0.0.5")));
        // No address at all (the test server's own requests) is not loopback either.
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.CreateClient()));
    }

    [Fact]
    public async Task the_path_and_the_allowed_networks_are_configurable_and_replace_loopback()
    {
        using var idp = new PeerIdpFactory(Metrics(
            ("Metrics:Path", "/internal/metrics"),
            ("Metrics:AllowedNetworks:0", "10.1.0.0/16"),
            ("Metrics:AllowedNetworks:1", "192.0.2.10")));

        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(idp.ClientFrom("10.1.2.3"), "/internal/metrics"));
        Assert.Equal(HttpStatusCode.OK, await ScrapeAsync(idp.ClientFrom("192.0.2.10"), "/internal/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.ClientFrom("192.0.2.11"), "/internal/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.ClientFrom("127.0.0.1"), "/internal/metrics"));
        Assert.Equal(HttpStatusCode.NotFound, await ScrapeAsync(idp.ClientFrom("10.1.2.3"), "/metrics"));
    }

    [Fact]
    public async Task two_servers_in_one_process_each_report_only_their_own_counts()
    {
        // Arrange: meters are found by name across the process, as the test host runs many servers side by side.
        using var first = new PeerIdpFactory(Metrics());
        using var second = new PeerIdpFactory(Metrics());
        await first.CreateUserAsync("dora", Password);
        await second.CreateUserAsync("dora", Password);

        // Act: a wrong password on the first server only.
        using (var browser = first.CreateBrowser())
        {
            await browser.SubmitPasswordAsync((await browser.NavigateAsync("/account/login")).RequirePage(), "dora", "Wrong-Horse-1");
        }

        // Assert
        Assert.Equal(1, (await ScrapeTextAsync(first)).Value("idp_logins_total", ("outcome", "failure")));
        Assert.Equal(0, (await ScrapeTextAsync(second)).Value("idp_logins_total", ("outcome", "failure")));
    }

    private static async Task<PrometheusText> ScrapeTextAsync(PeerIdpFactory idp)
    {
        using var client = idp.ClientFrom("127.0.0.1");
        return PrometheusText.Parse(await client.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
    }

    private static async Task<HttpStatusCode> ScrapeAsync(HttpClient client, string path = "/metrics")
    {
        using (client)
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
    }

    /// <summary>One identity mapper call as a service makes it: a bearer token and <c>{"dn","registry"}</c>.</summary>
    private static async Task<HttpStatusCode> CallMapperAsync(IdpFactory idp, string dn, string? bearer)
    {
        using var client = idp.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/zss/api/v1/certificate/dn", UriKind.Relative))
        {
            Content = new StringContent(JsonSerializer.Serialize(new { dn, registry = Registry }), Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
