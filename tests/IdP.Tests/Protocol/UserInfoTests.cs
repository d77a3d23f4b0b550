using System.Net;
using System.Net.Http.Headers;
using IdP.Server.Administration;
using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Protocol;

/// <summary>
/// UserInfo refuses a token the way a bearer-token resource must (RFC 6750 §3): the status and the
/// WWW-Authenticate challenge say what is wrong, and an API client gets no HTML page meant for a person.
/// </summary>
public sealed class UserInfoTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task a_token_that_does_not_verify_gets_401_with_an_invalid_token_challenge_and_no_page()
    {
        var response = await GetUserInfoAsync("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtYWxsb3J5In0.c2lnbmF0dXJl");

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.StartsWith("Bearer ", response.Challenge, StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal("", response.Body);
    }

    [Fact]
    public async Task a_service_token_without_openid_gets_403_with_an_insufficient_scope_challenge_and_no_page()
    {
        var secret = await idp.OnceAsync("userinfo-service", async () => (await idp.CreateClientAsync(
            new ClientSpec("userinfo-service", ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], [])))!);
        var token = (await new OidcClient(idp.CreateClient(), "userinfo-service", secret).ClientCredentialsAsync()).EnsureSuccess().AccessToken!;

        var response = await GetUserInfoAsync(token);

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.StartsWith("Bearer ", response.Challenge, StringComparison.Ordinal);
        Assert.Contains("error=\"insufficient_scope\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal("", response.Body);
    }

    private async Task<(HttpStatusCode Status, string Challenge, string Body)> GetUserInfoAsync(string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await idp.CreateClient().SendAsync(request);
        return (response.StatusCode, string.Join(", ", response.Headers.WwwAuthenticate), await response.Content.ReadAsStringAsync());
    }
}
