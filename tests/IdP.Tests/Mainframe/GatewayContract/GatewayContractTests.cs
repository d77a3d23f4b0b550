using System.Security.Cryptography;
using System.Text.Json;
using IdP.Server.Administration;
using IdP.Server.Mainframe;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// IdP as the Zowe API ML gateway sees it: its access tokens pass the gateway's checks, and its identity mapper
/// answers the gateway's ZSS-style calls, each with a cookie JWT minted for that call, with exactly the fields and
/// codes the gateway reads, under the rate limits IdP ships with.
/// </summary>
public sealed class GatewayContractTests(GatewayContractFixture fixture) : IClassFixture<GatewayContractFixture>
{
    private IdpFactory Idp => fixture.Idp;

    private Task<ApiMlGateway> StartGatewayAsync(string cookieName = ApiMlGateway.DefaultCookieName) => fixture.StartGatewayAsync(cookieName);

    private string Cookie(string subject = "ZWESVUSR", TimeSpan? lifetime = null, SecurityKey? key = null, string issuer = "APIML",
        string algorithm = SecurityAlgorithms.RsaSha256, IDictionary<string, object>? header = null, IDictionary<string, object?>? claims = null)
        => fixture.GatewayKeys.MintCookie(Idp.Clock.GetUtcNow(), subject, lifetime, key, issuer, algorithm, header, claims);

    /// <summary>Exactly the five fields of the ZSS answer, with these values.</summary>
    private static void AssertZss(MapperAnswer answer, int status, string userId, int returnCode, int reason)
    {
        Assert.True(status == answer.Status, $"Expected HTTP {status}, got {answer.Status}: {answer.Body}");
        var json = answer.Json;
        Assert.Equal(["userid", "returnCode", "safReturnCode", "racfReturnCode", "racfReasonCode"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(userId, json.GetProperty("userid").GetString());
        Assert.Equal(returnCode, json.GetProperty("returnCode").GetInt32());
        Assert.Equal(returnCode, json.GetProperty("safReturnCode").GetInt32());
        Assert.Equal(returnCode, json.GetProperty("racfReturnCode").GetInt32());
        Assert.Equal(reason, json.GetProperty("racfReasonCode").GetInt32());
    }

    private static void AssertNotAuthorised(MapperAnswer answer) => AssertZss(answer, 401, "", 8, 20);

    private static void AssertMapped(MapperAnswer answer, string userId)
    {
        AssertZss(answer, 200, userId, 0, 0);
        Assert.Equal(userId, answer.UserIdAsApiMlReadsIt());
    }

    private async Task<string> ServiceTokenAsync(string clientId, string secret, string scope)
        => (await new OidcClient(Idp.CreateClient(), clientId, secret).ClientCredentialsAsync(scope)).EnsureSuccess().AccessToken!;

    [Fact]
    public async Task a_signed_in_users_access_token_passes_the_gateway_and_the_mapper_returns_their_mainframe_user_id()
    {
        var user = await Idp.CreateUserAsync("ursula", GatewayContractFixture.Password);
        await fixture.MapAsync(user.Id, "ZURSULA");
        using var browser = Idp.CreateBrowser();
        var desktop = new OidcClient(Idp.CreateClient(), "zowe-desktop", fixture.DesktopSecret);
        var pkce = Pkce.Create();
        var code = await browser.SignInForCodeAsync(desktop, pkce, "ursula", GatewayContractFixture.Password, "openid zowe");
        var accessToken = (await desktop.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess().AccessToken!;
        var gateway = await StartGatewayAsync();

        var verdict = await gateway.ValidateAsync(accessToken);
        var userId = await gateway.MapAsync(accessToken);

        Assert.Equal(user.Id, verdict.DistributedId);
        Assert.Equal("ZURSULA", userId);
        AssertMapped(await gateway.CallMapperAsync(user.Id, GatewayContractFixture.Registry), "ZURSULA");
    }

    [Fact]
    public async Task a_service_clients_token_passes_the_gateway_and_maps_to_its_batch_user_id()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var accessToken = await ServiceTokenAsync("batch-job", fixture.BatchJobSecret, "zowe");
        var gateway = await StartGatewayAsync();

        var userId = await gateway.MapAsync(accessToken);

        Assert.Equal("ZBATCH", userId);
        Assert.Equal(1, gateway.JwksFetches);
    }

    [Fact]
    public async Task a_gateway_at_40_calls_a_second_for_30_seconds_each_with_a_fresh_cookie_is_served_every_time()
    {
        // Arrange: a mapped service, and the gateway's keys already fetched.
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var accessToken = await ServiceTokenAsync("batch-job", fixture.BatchJobSecret, "zowe");
        var gateway = await StartGatewayAsync();
        Assert.Equal("ZBATCH", await gateway.MapAsync(accessToken));
        var fetchesBefore = fixture.GatewayKeys.Fetches;

        // Act: 1,200 gateway requests from one address, a 40th of a second apart on IdP's clock. The calls themselves
        // go as fast as the test server takes them, so they all fall in one window of the limiter (600 a minute per IP).
        var userIds = new List<string?>();
        for (var call = 0; call < 40 * 30; call++)
        {
            userIds.Add(await gateway.MapAsync(accessToken));
            Idp.Clock.Advance(TimeSpan.FromSeconds(1.0 / 40));
        }

        // Assert: every answer a mapping, and no key fetch per call.
        Assert.All(userIds, userId => Assert.Equal("ZBATCH", userId));
        Assert.Empty(gateway.MapperErrors);
        Assert.Equal(fetchesBefore, fixture.GatewayKeys.Fetches);
    }

    [Theory]
    [InlineData("apimlAuthenticationToken.zowe-ha1")]
    [InlineData("apimlAuthenticationToken.")]
    public async Task a_gateway_with_unique_cookie_names_is_served_too(string cookieName)
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var accessToken = await ServiceTokenAsync("batch-job", fixture.BatchJobSecret, "zowe");
        var gateway = await StartGatewayAsync(cookieName);

        Assert.Equal("ZBATCH", await gateway.MapAsync(accessToken));
    }

    [Fact]
    public async Task the_first_gateway_cookie_that_verifies_is_taken_and_other_cookie_names_are_ignored()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        using var impostor = RSA.Create(2048);
        var forged = Cookie(key: new RsaSecurityKey(impostor));

        var second = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry,
            cookieHeader: $"apimlAuthenticationToken={forged}; apimlAuthenticationToken.zowe={Cookie()}");
        var unrelatedNames = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry,
            cookieHeader: $"apimlAuthenticationTokenX={Cookie()}; APIMLAUTHENTICATIONTOKEN={Cookie()}");

        AssertMapped(second, "ZBATCH");
        AssertNotAuthorised(unrelatedNames);
    }

    [Fact]
    public async Task an_identity_nobody_mapped_gets_reason_48_and_the_gateway_maps_nothing()
    {
        var accessToken = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "zowe");
        var gateway = await StartGatewayAsync();

        var direct = await gateway.CallMapperAsync("nobody-mapped-me", GatewayContractFixture.Registry);
        var otherRegistry = await gateway.CallMapperAsync("batch-job", "ldap://other.example.com");
        var userId = await gateway.MapAsync(accessToken); // mapping-service itself has no mapping

        AssertZss(direct, 401, "", 8, 48);
        AssertZss(otherRegistry, 401, "", 8, 48);
        Assert.Null(userId);
    }

    [Theory]
    [InlineData("", GatewayContractFixture.Registry)]
    [InlineData("someone", "   ")]
    [InlineData(null, GatewayContractFixture.Registry)]
    public async Task a_blank_dn_or_registry_gets_reason_44(string? dn, string registry)
    {
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync(dn, registry);

        AssertZss(answer, 401, "", 8, 44);
    }

    [Fact]
    public async Task a_caller_without_the_gateway_cookie_or_a_token_is_not_authorised_even_for_a_mapped_identity()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, anonymous: true));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie: "not-a-jwt"));
    }

    [Fact]
    public async Task a_gateway_cookie_signed_by_a_key_the_gateway_does_not_publish_is_not_authorised()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        using var impostor = RSA.Create(2048);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(key: new RsaSecurityKey(impostor))));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry,
            Cookie(key: new RsaSecurityKey(impostor) { KeyId = GatewayKeyServer.ZosmfKid }, header: new Dictionary<string, object> { ["kid"] = GatewayKeyServer.ZosmfKid })));
        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry), "ZBATCH");
    }

    [Fact]
    public async Task an_idp_signed_token_is_never_a_gateway_caller_although_the_gateways_key_set_lists_idps_keys()
    {
        // Arrange: IdP's keys are in the gateway's set, as API ML adds its OIDC provider's keys to its own.
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        // IdP's signing keys of both sets; the gateway set's is the one API ML lists (it is told to trust that JWKS).
        var idpKeys = Idp.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials
            .Where(c => c.Key is AsymmetricSecurityKey).Select(c => c.Key).ToList();
        Assert.Equal(2, idpKeys.Count);
        using (var http = new HttpClient())
        {
            var published = new JsonWebKeySet(await http.GetStringAsync(new Uri(fixture.GatewayKeys.JwksUrl)));
            Assert.Single(idpKeys, key => published.Keys.Any(k => k.Kid == key.KeyId));
        }

        // A client named like the identity mapper user gets a genuine access token from IdP.
        var secret = await Idp.CreateClientAsync(new ClientSpec("zwesvusr", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["zowe"]));
        var accessToken = await ServiceTokenAsync("zwesvusr", secret!, "zowe");
        var gateway = await StartGatewayAsync();

        // Act: the access token as the cookie; and a token with the gateway's claims, signed with IdP's own key.
        var asCookie = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, accessToken);
        var idpSigned = new List<MapperAnswer>();
        foreach (var idpKey in idpKeys)
        {
            idpSigned.Add(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(key: idpKey)));
            idpSigned.Add(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry,
                Cookie(key: idpKey, header: new Dictionary<string, object> { ["kid"] = idpKey.KeyId })));
        }

        // Assert
        Assert.Equal("zwesvusr", new JsonWebToken(accessToken).Subject);
        AssertNotAuthorised(asCookie);
        Assert.All(idpSigned, AssertNotAuthorised);
        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry), "ZBATCH");
    }

    [Theory]
    [InlineData("a crit header")]
    [InlineData("exp as a string")]
    [InlineData("no exp")]
    [InlineData("typ at+jwt")]
    [InlineData("RS256 with a key whose JWK pins RS384")]
    [InlineData("ES256 with an EC key of the set")]
    [InlineData("HS256 keyed with API ML's public key")]
    [InlineData("IdP's issuer")]
    [InlineData("unsigned")]
    public async Task a_cookie_api_ml_never_sends_is_not_authorised(string what)
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        var keys = fixture.GatewayKeys;
        var cookie = what switch
        {
            "a crit header" => Cookie(header: new Dictionary<string, object> { ["crit"] = new[] { "exp" } }),
            "exp as a string" => Cookie(claims: new Dictionary<string, object?> { ["exp"] = Idp.Clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            "no exp" => Cookie(claims: new Dictionary<string, object?> { ["exp"] = null }),
            "typ at+jwt" => Cookie(header: new Dictionary<string, object> { ["typ"] = "at+jwt" }),
            "RS256 with a key whose JWK pins RS384" => Cookie(key: keys.ZosmfKey, issuer: "zOSMF"),
            "ES256 with an EC key of the set" => Cookie(key: keys.EcKey, algorithm: SecurityAlgorithms.EcdsaSha256),
            "HS256 keyed with API ML's public key" => Cookie(key: new SymmetricSecurityKey(((RsaSecurityKey)keys.ApimlKey).Rsa.ExportSubjectPublicKeyInfo()),
                algorithm: SecurityAlgorithms.HmacSha256),
            "IdP's issuer" => Cookie(issuer: IdpFactory.Issuer),
            _ => Base64UrlEncoder.Encode("""{"alg":"none"}""") + "." + Cookie().Split('.')[1] + ".",
        };

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie);

        Assert.True(answer.Status == 401, $"{what}: HTTP {answer.Status}");
        AssertNotAuthorised(answer);
    }

    [Fact]
    public async Task a_key_whose_jwk_names_its_alg_verifies_that_algorithm()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry,
            Cookie(key: fixture.GatewayKeys.ZosmfKey, algorithm: SecurityAlgorithms.RsaSha384, issuer: "zOSMF"));

        AssertMapped(answer, "ZBATCH");
    }

    [Theory]
    [InlineData("e30.e30.")]
    [InlineData("....")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.!!!.x")]
    [InlineData("bm90IGpzb24.bm90IGpzb24.c2ln")]
    [InlineData("eyJhbGciOjQyfQ.e30.c2ln")]
    [InlineData("WyJhIl0.WyJhIl0.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.W10.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJBUElNTCIsInN1YiI6IlpXRVNWVVNSIiwiZXhwIjp0cnVlfQ.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJBUElNTCIsInN1YiI6IlpXRVNWVVNSIiwiZXhwIjoxZTMwMH0.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJBUElNTCIsInN1YiI6IlpXRVNWVVNSIiwiZXhwIjo5OTk5OTk5OTk5OTk5OTk5OTk5fQ.c2ln")]
    public async Task a_malformed_gateway_cookie_is_not_authorised_and_never_a_server_error(string cookie)
    {
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie);

        AssertNotAuthorised(answer);
    }

    [Fact]
    public async Task an_expired_gateway_cookie_is_not_authorised_with_no_clock_skew()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        var cookie = Cookie(lifetime: TimeSpan.FromSeconds(20));

        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie), "ZBATCH");
        Idp.Clock.Advance(TimeSpan.FromSeconds(20));

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(lifetime: TimeSpan.FromSeconds(-1))));
    }

    [Fact]
    public async Task after_the_gateway_renews_its_key_its_new_cookies_are_accepted_and_the_old_keys_are_not()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry), "ZBATCH");

        var oldKey = fixture.GatewayKeys.RotateApimlKey();
        // No kid names the new key, so IdP learns of it when no key verifies a cookie: at most every 30 s.
        Idp.Clock.Advance(TimeSpan.FromSeconds(31));

        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry), "ZBATCH");
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(key: oldKey)));
    }

    [Fact]
    public async Task a_gateway_cookie_for_a_user_other_than_the_identity_mapper_user_is_not_authorised()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(subject: "IBMUSER")));
        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(subject: "zwesvusr")), "ZBATCH");
    }

    [Fact]
    public async Task a_service_bearer_token_with_the_mapping_scope_may_look_up_and_one_without_it_may_not()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var withScope = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "mapping");
        var withoutScope = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "zowe");
        var gateway = await StartGatewayAsync();

        AssertMapped(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withScope), "ZBATCH");
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withoutScope));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withScope + "x"));
    }

    [Fact]
    public async Task a_client_deleted_and_created_again_under_the_same_id_starts_unmapped()
    {
        var first = await Idp.CreateClientAsync(new ClientSpec("payroll", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["zowe"]));
        await fixture.MapAsync("payroll", "ZPAYROLL", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        Assert.Equal("ZPAYROLL", await gateway.MapAsync(await ServiceTokenAsync("payroll", first!, "zowe")));

        var removed = await Idp.AdministerAsync(services => services.GetRequiredService<ClientAdministration>().DeleteAsync("payroll"));
        var again = await Idp.CreateClientAsync(new ClientSpec("payroll", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], ["zowe"]));
        Idp.Clock.Advance(TimeSpan.FromSeconds(2)); // past Mainframe:Mapper:ChangePollInterval (1 s)

        Assert.Equal(1, removed);
        Assert.Null(await gateway.MapAsync(await ServiceTokenAsync("payroll", again!, "zowe")));
        AssertZss(await gateway.CallMapperAsync("payroll", GatewayContractFixture.Registry), 401, "", 8, 48);
    }

    [Fact]
    public async Task the_mapper_answers_post_only_and_its_answers_are_never_cached_or_sniffed()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        using var http = fixture.Http();
        using var lookUp = new HttpRequestMessage(HttpMethod.Post, ApiMlGateway.MapperUrl)
        {
            Content = new StringContent($$"""{"dn":"batch-job","registry":"{{GatewayContractFixture.Registry}}"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        lookUp.Headers.Add("Cookie", "apimlAuthenticationToken=" + Cookie());

        using var mapped = await http.SendAsync(lookUp);
        using var get = await http.GetAsync(ApiMlGateway.MapperUrl);

        Assert.Equal(System.Net.HttpStatusCode.OK, mapped.StatusCode);
        Assert.Equal("application/json", mapped.Content.Headers.ContentType?.MediaType);
        Assert.True(mapped.Headers.CacheControl?.NoStore, "A user ID is an answer for one caller: never stored by a cache.");
        Assert.Equal("nosniff", Assert.Single(mapped.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal(System.Net.HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(["POST"], get.Content.Headers.Allow);
        Assert.DoesNotContain("Exception", await get.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_mapper_that_is_turned_off_is_not_found_even_for_a_valid_gateway_cookie()
    {
        await using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Mainframe:Mapper:GatewayJwksUrls:0"] = fixture.GatewayKeys.JwksUrl,
            ["Mainframe:Mapper:Enabled"] = "false",
        }, defaultRateLimits: true);
        using var http = idp.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        var gateway = new ApiMlGateway(http, fixture.GatewayKeys, idp.Clock, GatewayContractFixture.Registry, GatewayContractFixture.IdpJwksPath);

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry);

        Assert.Equal(404, answer.Status);
        Assert.DoesNotContain("userid", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_dn_over_246_bytes_is_a_clean_400_while_246_bytes_is_looked_up()
    {
        var gateway = await StartGatewayAsync();
        var longest = new string('d', MainframeNames.MaxDistributedIdBytes);

        var atLimit = await gateway.CallMapperAsync(longest, GatewayContractFixture.Registry);
        var overLimit = await gateway.CallMapperAsync(longest + "x", GatewayContractFixture.Registry);
        var registryTooLong = await gateway.CallMapperAsync("someone", new string('r', 256));

        AssertZss(atLimit, 401, "", 8, 48);
        AssertZss(overLimit, 400, "", 8, 44);
        AssertZss(registryTooLong, 400, "", 8, 44);
        Assert.DoesNotContain("Exception", overLimit.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"dn\":", "application/json")]
    [InlineData("[\"dn\",\"registry\"]", "application/json")]
    [InlineData("{\"dn\":42,\"registry\":\"r\"}", "application/json")]
    [InlineData("dn=a&registry=b", "application/x-www-form-urlencoded")]
    [InlineData("{\"dn\":\"a\",\"registry\":\"r\"}", "application/json; charset=iso-8859-1")]
    public async Task malformed_json_or_another_content_type_is_a_clean_400(string body, string contentType)
    {
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync(null, null, rawBody: body, contentType: contentType);

        AssertZss(answer, 400, "", 8, 44);
    }

    [Theory]
    [InlineData("caf\u00e9")] // what API ML sends for a non-ASCII id: one ISO-8859-1 byte, not UTF-8
    [InlineData("\\ud800")] // a lone surrogate, escaped
    [InlineData("a\\udc00b")]
    [InlineData("a\\u2028b")] // LINE SEPARATOR
    [InlineData("\\u202eresu")] // RIGHT-TO-LEFT OVERRIDE
    [InlineData("a\\u0000b")]
    [InlineData("a\\u00a0b")] // NO-BREAK SPACE
    public async Task a_dn_that_is_not_valid_utf8_or_has_non_printing_characters_is_a_clean_400(string dn)
    {
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync(null, null, rawBody: $$"""{"dn":"{{dn}}","registry":"{{GatewayContractFixture.Registry}}"}""");
        var inRegistry = await gateway.CallMapperAsync(null, null, rawBody: $$"""{"dn":"someone","registry":"{{dn}}"}""");

        AssertZss(answer, 400, "", 8, 44);
        AssertZss(inRegistry, 400, "", 8, 44);
    }

    [Fact]
    public async Task a_body_over_4_kib_is_refused_without_being_read()
    {
        var gateway = await StartGatewayAsync();
        var body = JsonSerializer.Serialize(new { dn = "someone", registry = GatewayContractFixture.Registry, padding = new string('p', 5000) });

        var answer = await gateway.CallMapperAsync(null, null, rawBody: body);

        Assert.Equal(413, answer.Status);
    }

    [Fact]
    public async Task a_changed_mapping_is_seen_by_the_next_lookup_once_the_change_stamp_moves()
    {
        await fixture.MapAsync("cache-probe", "ZOLD");
        var gateway = await StartGatewayAsync();
        AssertMapped(await gateway.CallMapperAsync("cache-probe", GatewayContractFixture.Registry), "ZOLD");

        await fixture.MapAsync("cache-probe", "ZNEW"); // bumps the change stamp in the same transaction
        Idp.Clock.Advance(TimeSpan.FromSeconds(2)); // past Mainframe:Mapper:ChangePollInterval (1 s)

        AssertMapped(await gateway.CallMapperAsync("cache-probe", GatewayContractFixture.Registry), "ZNEW");
    }

    [Fact]
    public async Task the_gateway_refuses_es256_hs256_and_encrypted_tokens_and_a_token_without_a_kid()
    {
        var gateway = await StartGatewayAsync();
        var idpKid = new JsonWebToken(await ServiceTokenAsync("batch-job", fixture.BatchJobSecret, "zowe")).Kid;
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);

        var es256 = Token(new SigningCredentials(new ECDsaSecurityKey(ec) { KeyId = idpKid }, SecurityAlgorithms.EcdsaSha256));
        var hs256 = Token(new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = idpKid }, SecurityAlgorithms.HmacSha256));
        var jwe = Token(new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = idpKid }, SecurityAlgorithms.RsaSha256),
            new EncryptingCredentials(new RsaSecurityKey(rsa) { KeyId = "enc" }, SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
        var noKid = Token(new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256));

        Assert.Contains("alg ES256", (await gateway.ValidateAsync(es256)).Refusal, StringComparison.Ordinal);
        Assert.Contains("alg HS256", (await gateway.ValidateAsync(hs256)).Refusal, StringComparison.Ordinal);
        Assert.Contains("JWE", (await gateway.ValidateAsync(jwe)).Refusal, StringComparison.Ordinal);
        Assert.Contains("no kid", (await gateway.ValidateAsync(noKid)).Refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task the_gateway_refuses_an_idp_token_the_instant_it_expires()
    {
        var accessToken = await ServiceTokenAsync("batch-job", fixture.BatchJobSecret, "zowe");
        var gateway = await StartGatewayAsync();
        var expires = new JsonWebToken(accessToken).ValidTo;
        Assert.True((await gateway.ValidateAsync(accessToken)).Accepted);

        Idp.Clock.Advance(expires - Idp.Clock.GetUtcNow().UtcDateTime);

        Assert.Contains("exp", (await gateway.ValidateAsync(accessToken)).Refusal, StringComparison.Ordinal);
    }

    /// <summary>A token that would otherwise pass: IdP's issuer, a subject, a future exp.</summary>
    private string Token(SigningCredentials signing, EncryptingCredentials? encrypting = null)
    {
        var now = Idp.Clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IdpFactory.Issuer,
            Claims = new Dictionary<string, object> { ["sub"] = "batch-job" },
            IssuedAt = now,
            Expires = now.AddMinutes(5),
            SigningCredentials = signing,
            EncryptingCredentials = encrypting,
        });
    }
}
