using IdP.Server.Administration;
using IdP.Tests.Clients;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>
/// RFC 6749 §3.1: a parameter sent twice is refused with an error that names it, instead of being read as missing
/// (Protocol/RepeatedParameterRejection).
/// </summary>
public sealed class RepeatedParameterTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    private Task<string> SeedAsync() => idp.OnceAsync("seed", async () =>
    {
        await ServiceClients.AddScopeAsync(idp, "zowe", "zowe-gateway");
        await ServiceClients.AddScopeAsync(idp, "reports", "report-api");
        await idp.CreateClientAsync(new ClientSpec("web-app", ClientKind.Public, [GrantTypes.AuthorizationCode],
            [OidcClient.DefaultRedirectUri], [], [Scopes.OpenId, Scopes.Profile]));
        return (await idp.CreateClientAsync(new ClientSpec("batch-service", ClientKind.Confidential,
            [GrantTypes.ClientCredentials], [], [], ["zowe", "reports"])))!;
    });

    [Theory]
    [InlineData("scope", "zowe", "reports")]
    [InlineData("scope", "zowe", "zowe")]
    [InlineData("grant_type", "client_credentials", "client_credentials")]
    public async Task a_token_request_that_repeats_a_parameter_is_refused_and_named(string repeated, string first, string second)
    {
        var secret = await SeedAsync();
        var client = new OidcClient(idp.CreateClient(), "batch-service", secret);
        var fields = new List<(string, string?)> { (repeated, first), (repeated, second) };
        if (repeated != "grant_type")
        {
            fields.Insert(0, ("grant_type", "client_credentials"));
        }

        var response = await client.PostTokenAsync([.. fields]);

        // Before: a repeated scope was granted as no scope at all, with a 200 and a token.
        Assert.Equal(400, response.Status);
        Assert.Equal(Errors.InvalidRequest, response.Error);
        Assert.Contains($"'{repeated}' parameter was sent more than once", response.ErrorDescription, StringComparison.Ordinal);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task the_same_request_with_each_parameter_once_still_succeeds()
    {
        var secret = await SeedAsync();

        var response = await new OidcClient(idp.CreateClient(), "batch-service", secret).ClientCredentialsAsync("zowe reports");

        response.EnsureSuccess();
    }

    [Fact]
    public async Task a_repeated_resource_is_allowed_by_rfc_8707_and_not_refused_for_repetition()
    {
        var secret = await SeedAsync();

        var response = await new OidcClient(idp.CreateClient(), "batch-service", secret).PostTokenAsync(
            ("grant_type", "client_credentials"), ("scope", "zowe"),
            ("resource", "https://a.example/"), ("resource", "https://b.example/"));

        Assert.DoesNotContain("more than once", response.ErrorDescription ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_introspection_request_that_repeats_the_token_is_refused()
    {
        var secret = await SeedAsync();
        var client = new OidcClient(idp.CreateClient(), "batch-service", secret);
        var token = (await client.ClientCredentialsAsync("zowe")).EnsureSuccess().AccessToken;

        var response = await client.SendAsync("/connect/introspect", ("token", token), ("token", token));

        Assert.Equal(400, response.Status);
        Assert.Equal(Errors.InvalidRequest, response.Error);
        Assert.Contains("'token' parameter was sent more than once", response.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task an_authorization_request_that_repeats_a_parameter_gets_the_error_page_not_a_redirect()
    {
        await SeedAsync();
        using var browser = idp.CreateBrowser();
        var url = new OidcClient(idp.CreateClient(), "web-app").AuthorizeUrl(Pkce.Create()) + "&scope=openid";

        var outcome = await browser.NavigateAsync(url);

        // The redirect URI has not been validated when the repetition is found, so nothing is sent to it.
        var page = outcome.RequirePage();
        Assert.Equal(400, page.StatusCode);
        Assert.True(page.Contains("'scope' parameter was sent more than once"), page.Html);
    }
}
