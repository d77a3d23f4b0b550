using System.Security.Cryptography;
using System.Text.Json;
using IdP.Server.Mainframe;
using IdP.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IdP.Tests.Mainframe.GatewayContract;

/// <summary>
/// IdP as the Zowe API ML gateway sees it: its access tokens pass the gateway's checks, and its identity mapper
/// answers the gateway's ZSS-style calls with exactly the fields and codes the gateway reads.
/// </summary>
public sealed class GatewayContractTests(GatewayContractFixture fixture) : IClassFixture<GatewayContractFixture>
{
    private IdpFactory Idp => fixture.Idp;

    private async Task<ApiMlGateway> StartGatewayAsync()
    {
        var gateway = new ApiMlGateway(fixture.Http(), fixture.GatewayKeys, Idp.Clock, GatewayContractFixture.Registry);
        await gateway.StartAsync();
        return gateway;
    }

    private string Cookie(string subject = "ZWESVUSR", TimeSpan? lifetime = null, SecurityKey? key = null)
        => fixture.GatewayKeys.MintCookie(Idp.Clock.GetUtcNow(), subject, lifetime, key);

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
        AssertZss(await gateway.CallMapperAsync(user.Id, GatewayContractFixture.Registry, Cookie()), 200, "ZURSULA", 0, 0);
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
    public async Task an_identity_nobody_mapped_gets_reason_48_and_the_gateway_maps_nothing()
    {
        var accessToken = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "zowe");
        var gateway = await StartGatewayAsync();

        var direct = await gateway.CallMapperAsync("nobody-mapped-me", GatewayContractFixture.Registry, Cookie());
        var otherRegistry = await gateway.CallMapperAsync("batch-job", "ldap://other.example.com", Cookie());
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

        var answer = await gateway.CallMapperAsync(dn, registry, Cookie());

        AssertZss(answer, 401, "", 8, 44);
    }

    [Fact]
    public async Task a_caller_without_the_gateway_cookie_or_a_token_is_not_authorised_even_for_a_mapped_identity()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie: "not-a-jwt"));
    }

    [Fact]
    public async Task a_gateway_cookie_signed_by_another_key_with_the_gateways_kid_is_not_authorised()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        using var impostor = RSA.Create(2048);
        var forged = Cookie(key: new RsaSecurityKey(impostor) { KeyId = fixture.GatewayKeys.RsaKey.KeyId });
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, forged));
        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie()), 200, "ZBATCH", 0, 0);
    }

    [Fact]
    public async Task an_expired_gateway_cookie_is_not_authorised_with_no_clock_skew()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(lifetime: TimeSpan.FromSeconds(-1))));
        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(lifetime: TimeSpan.FromSeconds(30))), 200, "ZBATCH", 0, 0);
    }

    [Fact]
    public async Task a_verified_gateway_cookie_is_remembered_only_until_it_expires_on_idps_clock()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        var cookie = Cookie(lifetime: TimeSpan.FromSeconds(20)); // shorter than Mainframe:Mapper:CacheDuration (30 s)

        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie), 200, "ZBATCH", 0, 0);
        Idp.Clock.Advance(TimeSpan.FromSeconds(19));
        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie), 200, "ZBATCH", 0, 0);
        Idp.Clock.Advance(TimeSpan.FromSeconds(1));

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie));
    }

    [Fact]
    public async Task a_verified_gateway_cookie_is_refused_once_the_gateway_no_longer_publishes_its_key()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();
        var cookie = Cookie(key: fixture.GatewayKeys.EcKey); // valid for hours
        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie), 200, "ZBATCH", 0, 0);

        fixture.GatewayKeys.PublishesEcKey = false;
        try
        {
            // Past Mainframe:Mapper:GatewayKeysRefresh (10 min): IdP fetches the key set again, without the EC key.
            Idp.Clock.Advance(TimeSpan.FromMinutes(11));

            AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, cookie));
            AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie()), 200, "ZBATCH", 0, 0);
        }
        finally
        {
            // The other tests share this IdP: let it fetch the full key set again.
            fixture.GatewayKeys.PublishesEcKey = true;
            Idp.Clock.Advance(TimeSpan.FromMinutes(11));
        }
    }

    [Fact]
    public async Task a_gateway_cookie_for_a_user_other_than_the_identity_mapper_user_is_not_authorised()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(subject: "IBMUSER")));
        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(subject: "zwesvusr")), 200, "ZBATCH", 0, 0);
    }

    [Fact]
    public async Task a_gateway_whose_key_is_ec_is_accepted_too()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, Cookie(key: fixture.GatewayKeys.EcKey));

        AssertZss(answer, 200, "ZBATCH", 0, 0);
    }

    [Fact]
    public async Task a_service_bearer_token_with_the_mapping_scope_may_look_up_and_one_without_it_may_not()
    {
        await fixture.MapAsync("batch-job", "ZBATCH", IdentityMapping.ClientKind);
        var withScope = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "mapping");
        var withoutScope = await ServiceTokenAsync("mapping-service", fixture.MappingServiceSecret, "zowe");
        var gateway = await StartGatewayAsync();

        AssertZss(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withScope), 200, "ZBATCH", 0, 0);
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withoutScope));
        AssertNotAuthorised(await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, bearer: withScope + "x"));
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
        });
        using var http = idp.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { HandleCookies = false });
        var gateway = new ApiMlGateway(http, fixture.GatewayKeys, idp.Clock, GatewayContractFixture.Registry);

        var answer = await gateway.CallMapperAsync("batch-job", GatewayContractFixture.Registry, fixture.GatewayKeys.MintCookie(idp.Clock.GetUtcNow()));

        Assert.Equal(404, answer.Status);
        Assert.DoesNotContain("userid", answer.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_dn_over_246_bytes_is_a_clean_400_while_246_bytes_is_looked_up()
    {
        var gateway = await StartGatewayAsync();
        var longest = new string('d', MainframeNames.MaxDistributedIdBytes - 2) + "é"; // 244 + 2 bytes
        var tooLong = longest + "x";

        var atLimit = await gateway.CallMapperAsync(longest, GatewayContractFixture.Registry, Cookie());
        var overLimit = await gateway.CallMapperAsync(tooLong, GatewayContractFixture.Registry, Cookie());
        var registryTooLong = await gateway.CallMapperAsync("someone", new string('r', 256), Cookie());

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
    public async Task malformed_json_or_another_content_type_is_a_clean_400(string body, string contentType)
    {
        var gateway = await StartGatewayAsync();

        var answer = await gateway.CallMapperAsync(null, null, Cookie(), rawBody: body, contentType: contentType);

        AssertZss(answer, 400, "", 8, 44);
    }

    [Fact]
    public async Task a_body_over_4_kib_is_refused_without_being_read()
    {
        var gateway = await StartGatewayAsync();
        var body = JsonSerializer.Serialize(new { dn = "someone", registry = GatewayContractFixture.Registry, padding = new string('p', 5000) });

        var answer = await gateway.CallMapperAsync(null, null, Cookie(), rawBody: body);

        Assert.Equal(413, answer.Status);
    }

    [Fact]
    public async Task a_changed_mapping_is_seen_by_the_next_lookup_once_the_change_stamp_moves()
    {
        await fixture.MapAsync("cache-probe", "ZOLD");
        var gateway = await StartGatewayAsync();
        AssertZss(await gateway.CallMapperAsync("cache-probe", GatewayContractFixture.Registry, Cookie()), 200, "ZOLD", 0, 0);

        await fixture.MapAsync("cache-probe", "ZNEW"); // bumps the change stamp in the same transaction
        Idp.Clock.Advance(TimeSpan.FromSeconds(2)); // past Mainframe:Mapper:ChangePollInterval (1 s)

        AssertZss(await gateway.CallMapperAsync("cache-probe", GatewayContractFixture.Registry, Cookie()), 200, "ZNEW", 0, 0);
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
