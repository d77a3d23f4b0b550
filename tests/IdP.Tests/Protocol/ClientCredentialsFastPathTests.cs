using System.Text.Json;
using IdP.Server.Administration;
using IdP.Server.Mainframe;
using IdP.Tests.Clients;
using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IdP.Tests.Protocol;

/// <summary>
/// The client-credentials fast path (Protocol/ClientCredentialsFastPath): the token it writes is OpenIddict's token,
/// and every request it does not answer reaches OpenIddict, which answers it as it always did.
/// </summary>
public sealed class ClientCredentialsFastPathTests : IDisposable
{
    private const string Registry = "idp.example.com";

    private readonly TokenRequestCountingIdp _fast = new(fastPath: true);

    public void Dispose() => _fast.Dispose();

    /// <summary>A service with two API scopes (two audiences) and the mainframe scope, mapped to a mainframe user ID.</summary>
    private static async Task<string> SeedAsync(IdpFactory idp)
    {
        await ServiceClients.AddScopeAsync(idp, "zowe", "zowe-gateway");
        await ServiceClients.AddScopeAsync(idp, "reports", "report-api");
        var secret = (await idp.CreateClientAsync(new ClientSpec("batch-service", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], ["zowe", "reports", MainframeOptions.Scope])))!;
        await ServiceClients.MapToMainframeUserAsync(idp, "batch-service", Registry, "BATCH01");
        return secret;
    }

    private static async Task<(TokenResponse Response, HttpResponseMessage Raw)> GrantAsync(IdpFactory idp, string secret, string scope)
    {
        var http = idp.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "client_credentials"), KeyValuePair.Create("scope", scope)]),
        };
        request.Headers.Authorization = BasicCredentials(secret);
        var raw = await http.SendAsync(request);
        return (await TokenResponse.ReadAsync(raw), raw);
    }

    [Fact]
    public async Task the_fast_path_answers_with_the_token_and_response_openiddict_gives_for_the_same_grant()
    {
        using var reference = new TokenRequestCountingIdp(fastPath: false);
        var fastSecret = await SeedAsync(_fast);
        var referenceSecret = await SeedAsync(reference);
        const string scope = "zowe reports mainframe";

        var (fast, fastRaw) = await GrantAsync(_fast, fastSecret, scope);
        var (openIddict, openIddictRaw) = await GrantAsync(reference, referenceSecret, scope);

        fast.EnsureSuccess();
        openIddict.EnsureSuccess();
        Assert.Equal(0, _fast.TokenRequestsSeenByOpenIddict);
        Assert.Equal(1, reference.TokenRequestsSeenByOpenIddict);

        // The response: the same members and values (the lifetime may differ by the second that passed), never cached.
        Assert.Equal(Members(openIddict.Json), Members(fast.Json));
        Assert.Equal(openIddict.Get("token_type"), fast.Get("token_type"));
        Assert.InRange(fast.Json.GetProperty("expires_in").GetInt64() - openIddict.Json.GetProperty("expires_in").GetInt64(), 0, 1);
        foreach (var header in new[] { "Cache-Control", "Pragma" })
        {
            Assert.Equal(openIddictRaw.Headers.GetValues(header), fastRaw.Headers.GetValues(header));
        }

        Assert.Equal(openIddictRaw.Content.Headers.ContentType, fastRaw.Content.Headers.ContentType);

        // The token: each verified against its own server's JWKS, then compared header by header and claim by claim.
        var fastToken = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(_fast.CreateClient()), fast.AccessToken!, "at+jwt", audience: "zowe-gateway");
        var openIddictToken = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(reference.CreateClient()), openIddict.AccessToken!, "at+jwt", audience: "zowe-gateway");
        Assert.Equal(HeaderNames(openIddictToken), HeaderNames(fastToken));
        Assert.Equal(openIddictToken.Alg, fastToken.Alg);
        Assert.Equal(openIddictToken.Typ, fastToken.Typ);

        var perToken = new[] { Claims.JwtId, Claims.IssuedAt, Claims.ExpiresAt };
        Assert.Equal(Payload(openIddictToken, perToken), Payload(fastToken, perToken));
        Assert.Equal(openIddictToken.ValidTo - openIddictToken.IssuedAt, fastToken.ValidTo - fastToken.IssuedAt);
        var next = new JsonWebToken((await GrantAsync(_fast, fastSecret, scope)).Response.EnsureSuccess().AccessToken!);
        Assert.NotEqual(fastToken.Id, next.Id);

        // What the gateway and resource servers read, spelled out.
        Assert.Equal(["report-api", "zowe-gateway"], fastToken.Audiences.Order(StringComparer.Ordinal));
        Assert.Equal("BATCH01", fastToken.GetClaim(MainframeOptions.UserIdClaim).Value);
        Assert.Equal("batch-service", fastToken.GetClaim(Claims.ClientId).Value);
    }

    [Fact]
    public async Task a_fast_path_token_is_active_at_openiddicts_introspection_endpoint()
    {
        var secret = await SeedAsync(_fast);
        var token = (await GrantAsync(_fast, secret, "zowe")).Response.EnsureSuccess().AccessToken;

        var introspection = await new OidcClient(_fast.CreateClient(), "batch-service", secret).SendAsync("/connect/introspect", ("token", token));

        Assert.True(introspection.Json.GetProperty("active").GetBoolean(), introspection.Json.ToString());
        Assert.Equal("batch-service", introspection.Json.GetProperty("client_id").GetString());
        Assert.Equal("zowe-gateway", introspection.Json.GetProperty("aud").GetString());
        Assert.Equal("access_token", introspection.Json.GetProperty("token_usage").GetString());
        Assert.Equal(0, _fast.TokenRequestsSeenByOpenIddict);
    }

    public static TheoryData<string, string, int?, string?> RequestsLeftToOpenIddict => new()
    {
        // description, form (after grant_type=client_credentials), expected status and error (null: OpenIddict's call)
        { "a wrong secret", "wrong-secret", 401, Errors.InvalidClient },
        { "the secret in the body (client_secret_post)", "secret-in-body", 200, null },
        { "a scope that does not exist", "scope=nope", 400, Errors.InvalidScope },
        { "a scope the client was not given", "scope=profile", 400, null },
        { "a parameter the fast path does not know", "scope=zowe&resource=https%3A%2F%2Fapi.example", 400, null },
        { "a repeated parameter", "scope=zowe&scope=reports", 400, Errors.InvalidRequest },
        { "openid, which means nothing without a user", "scope=openid", 400, null },
    };

    [Theory]
    [MemberData(nameof(RequestsLeftToOpenIddict))]
    public async Task requests_the_fast_path_does_not_take_reach_openiddict_which_answers_them(string description, string form, int? status, string? error)
    {
        var secret = await SeedAsync(_fast);
        var client = form switch
        {
            "wrong-secret" => new OidcClient(_fast.CreateClient(), "batch-service", secret + "x"),
            "secret-in-body" => new OidcClient(_fast.CreateClient(), "batch-service", secret, secretInBody: true),
            _ => new OidcClient(_fast.CreateClient(), "batch-service", secret),
        };
        var fields = new List<(string, string?)> { ("grant_type", "client_credentials") };
        if (form.Contains('=', StringComparison.Ordinal))
        {
            fields.AddRange(form.Split('&').Select(pair => pair.Split('=')).Select(p => (p[0], (string?)Uri.UnescapeDataString(p[1]))));
        }

        var response = await client.PostTokenAsync([.. fields]);

        Assert.True(status is null || status == response.Status, $"{description}: {response.Status} {response.Json}");
        if (error is not null)
        {
            Assert.Equal(error, response.Error);
        }

        Assert.Equal(1, _fast.TokenRequestsSeenByOpenIddict);
    }

    [Fact]
    public async Task a_multipart_form_is_left_to_openiddict_which_refuses_it()
    {
        var secret = await SeedAsync(_fast);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new MultipartFormDataContent { { new StringContent("client_credentials"), "grant_type" } },
        };
        request.Headers.Authorization = BasicCredentials(secret);

        var response = await TokenResponse.ReadAsync(await _fast.CreateClient().SendAsync(request));

        Assert.Equal(400, response.Status);
        Assert.Equal(Errors.InvalidRequest, response.Error);
        Assert.Equal(1, _fast.TokenRequestsSeenByOpenIddict);
    }

    [Fact]
    public async Task a_client_whose_grant_is_withdrawn_is_refused_by_openiddict_at_once()
    {
        var secret = await SeedAsync(_fast);
        (await GrantAsync(_fast, secret, "zowe")).Response.EnsureSuccess();

        await ServiceClients.WithdrawClientCredentialsAsync(_fast, "batch-service");
        var refused = (await GrantAsync(_fast, secret, "zowe")).Response;

        Assert.Equal(400, refused.Status);
        Assert.Equal(Errors.UnauthorizedClient, refused.Error);
        Assert.Equal(1, _fast.TokenRequestsSeenByOpenIddict);
    }

    /// <summary>RFC 6749 §2.3.1 client_secret_basic for the seeded client (its ID and generated secret need no form-encoding).</summary>
    private static System.Net.Http.Headers.AuthenticationHeaderValue BasicCredentials(string secret)
        => new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("batch-service:" + secret)));

    private static string[] Members(JsonElement json) => [.. json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static string[] HeaderNames(JsonWebToken token)
        => [.. JsonDocument.Parse(Base64UrlDecode(token.EncodedHeader)).RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static Dictionary<string, string> Payload(JsonWebToken token, string[] except)
        => JsonDocument.Parse(Base64UrlDecode(token.EncodedPayload)).RootElement.EnumerateObject()
            .Where(p => !except.Contains(p.Name))
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Array
                ? string.Join(' ', p.Value.EnumerateArray().Select(v => v.ToString()).Order(StringComparer.Ordinal))
                : p.Value.ToString());

    private static byte[] Base64UrlDecode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);

    /// <summary>IdP with the fast path on or off, counting the token requests OpenIddict's own pipeline receives.</summary>
    private sealed class TokenRequestCountingIdp(bool fastPath) : IdpFactory(NewDataDirectory(), new Dictionary<string, string?>
    {
        ["Tokens:FastClientCredentials"] = fastPath ? "true" : "false",
        ["Mainframe:TokenClaimRegistry"] = Registry,
    })
    {
        private int _count;

        public int TokenRequestsSeenByOpenIddict => Volatile.Read(ref _count);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.AddOpenIddict().AddServer(options =>
                options.AddEventHandler<ExtractTokenRequestContext>(handler => handler
                    .UseInlineHandler(_ =>
                    {
                        Interlocked.Increment(ref _count);
                        return ValueTask.CompletedTask;
                    })
                    // First, before OpenIddict's own handlers can reject the request.
                    .SetOrder(int.MinValue))));
        }
    }
}
