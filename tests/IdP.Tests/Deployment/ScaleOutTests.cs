using System.Net;
using System.Text.Json;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Deployment;

/// <summary>
/// Two instances behind nginx on one PostgreSQL: any instance serves any step of a sign-in, a TOTP code is accepted
/// once across instances, and a key rotated on one is published by both.
/// </summary>
[Trait(TestDatabase.Trait, TestDatabase.PostgreSqlOnly)]
public sealed class ScaleOutTests(ScaleOutDeployment deployment) : IClassFixture<ScaleOutDeployment>
{
    [Fact]
    public async Task a_sign_in_whose_steps_alternate_between_instances_succeeds_from_password_to_refresh()
    {
        // Arrange
        await deployment.CreateUserAsync("ada");
        using var transport = deployment.Balancer.CreateHandler(cookies: true);
        using var steering = new AlternatingPosts(transport);
        using var browser = new BrowserClient(deployment.CreateClient(steering)) { Authenticators = deployment.Authenticators };
        var client = new OidcClient(deployment.CreateClient(steering), ScaleOutDeployment.ClientId, deployment.ClientSecret);
        var pkce = Pkce.Create();

        // Act: password, TOTP, code redemption and refresh, each POST on the other instance than the one before.
        var code = await browser.SignInForCodeAsync(client, pkce, "ada", ScaleOutDeployment.Password, "openid profile offline_access");
        var tokens = (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
        var refreshed = (await client.RefreshAsync(tokens.RefreshToken!)).EnsureSuccess();
        var userInfo = await client.UserInfoAsync(refreshed.AccessToken!);

        // Assert: the steps really went where the issue says: login form on A, TOTP on B, token on A, refresh on B.
        var posts = steering.Served.Where(s => s.Method == "POST").ToList();
        Assert.Equal(["/account/login", "/account/mfa", "/connect/token", "/connect/token"], posts.Select(p => p.Path));
        Assert.All(posts, p => deployment.Instance(p.Instance));
        for (var i = 1; i < posts.Count; i++)
        {
            Assert.NotEqual(posts[i - 1].Instance, posts[i].Instance);
        }

        Assert.Equal(200, userInfo.Status);
        Assert.False(string.IsNullOrEmpty(userInfo.Body.GetProperty("sub").GetString()));
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
    }

    [Fact]
    public async Task the_same_totp_code_sent_to_both_instances_at_once_is_accepted_exactly_once()
    {
        // Arrange: the user has passed the password step in two browsers; both show the code form.
        await deployment.CreateUserAsync("rita");
        using var firstTransport = deployment.Balancer.CreateHandler(cookies: true);
        using var secondTransport = deployment.Balancer.CreateHandler(cookies: true);
        using var firstLog = new AlternatingPosts(firstTransport, steer: false);
        using var secondLog = new AlternatingPosts(secondTransport, steer: false);
        using var first = new BrowserClient(deployment.CreateClient(firstLog));
        using var second = new BrowserClient(deployment.CreateClient(secondLog));
        var client = new OidcClient(deployment.CreateClient(firstTransport), ScaleOutDeployment.ClientId, deployment.ClientSecret);
        var firstCodePage = await PasswordStepAsync(first, client);
        var secondCodePage = await PasswordStepAsync(second, client);
        deployment.Authenticators.EnsureTimeLeftInStep(TimeSpan.FromSeconds(5));
        var code = deployment.Authenticators.NextCode("rita");

        // Act: both submit the same code at the same moment; nginx sends one to each instance.
        var results = await Task.WhenAll(
            first.SubmitAsync(firstCodePage, 0, ("Code", code)),
            second.SubmitAsync(secondCodePage, 0, ("Code", code)));

        // Assert
        var servedBy = new[] { firstLog.LastPostInstance, secondLog.LastPostInstance };
        Assert.NotEqual(servedBy[0], servedBy[1]);
        Assert.All(servedBy, s => deployment.Instance(s));
        var accepted = results.Count(r => r.RedirectedTo is not null || r.Page?.Url.Contains("/account/mfa", StringComparison.Ordinal) == false);
        Assert.Equal(1, accepted);
        var refused = Assert.Single(results, r => r.Page?.Url.Contains("/account/mfa", StringComparison.Ordinal) == true);
        Assert.Contains("role=\"alert\"", refused.Page!.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_key_rotated_on_one_instance_is_published_by_both()
    {
        // Act: an operator rotates on one instance's host.
        var rotated = (await deployment.RunCommandAsync("keys", "rotate", "--json")).EnsureSuccess().Json;
        var kid = rotated.GetProperty("key").GetProperty("kid").GetString()!;

        // Assert: within the refresh interval, both instances' JWKS list it.
        foreach (var instance in new[] { deployment.InstanceA, deployment.InstanceB })
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!(await KidsPublishedByAsync(instance)).Contains(kid))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{instance.Name} did not publish {kid}.");
                await Task.Delay(250);
            }
        }
    }

    private static async Task<Page> PasswordStepAsync(BrowserClient browser, OidcClient client)
    {
        var login = (await browser.NavigateAsync(client.AuthorizeUrl(Pkce.Create(), "openid"))).RequirePage();
        var codePage = (await browser.SubmitPasswordAsync(login, "rita", ScaleOutDeployment.Password)).RequirePage();
        Assert.Contains("/account/mfa", codePage.Url, StringComparison.Ordinal);
        return codePage;
    }

    /// <summary>Asks one instance directly, as nginx would (it is a trusted proxy saying the client used https).</summary>
    private static async Task<IReadOnlyList<string>> KidsPublishedByAsync(IdpProcess instance)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{instance.Address}/.well-known/jwks");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var jwks = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return [.. jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];
    }
}
