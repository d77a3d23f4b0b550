using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Clients;

/// <summary>
/// Clients and scopes are served from memory, and a change never leaves a client more power than it has: on the
/// instance that makes the change it applies to the next request.
/// </summary>
public sealed class ClientCacheTests(IdpFactory idp) : IClassFixture<IdpFactory>
{
    [Fact]
    public async Task a_rotated_secret_takes_effect_at_once_the_old_one_refused_and_the_new_one_accepted()
    {
        // Arrange: the client is cached, with its old secret.
        var oldSecret = await ServiceClients.AddAsync(idp, "rotating-service");
        (await ServiceClients.TokenAsync(idp, "rotating-service", oldSecret)).EnsureSuccess();

        // Act
        var newSecret = await ServiceClients.RotateSecretAsync(idp, "rotating-service");
        var old = await ServiceClients.TokenAsync(idp, "rotating-service", oldSecret);
        var fresh = await ServiceClients.TokenAsync(idp, "rotating-service", newSecret);

        // Assert
        Assert.Equal((401, Errors.InvalidClient), (old.Status, old.Error));
        fresh.EnsureSuccess();
    }

    [Fact]
    public async Task a_deleted_client_is_refused_at_once()
    {
        var secret = await ServiceClients.AddAsync(idp, "leaving-service");
        (await ServiceClients.TokenAsync(idp, "leaving-service", secret)).EnsureSuccess();

        await ServiceClients.DeleteAsync(idp, "leaving-service");
        var refused = await ServiceClients.TokenAsync(idp, "leaving-service", secret);

        Assert.Equal((401, Errors.InvalidClient), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task a_client_whose_grant_is_withdrawn_is_refused_at_once()
    {
        var secret = await ServiceClients.AddAsync(idp, "demoted-service");
        (await ServiceClients.TokenAsync(idp, "demoted-service", secret)).EnsureSuccess();

        await ServiceClients.WithdrawClientCredentialsAsync(idp, "demoted-service");
        var refused = await ServiceClients.TokenAsync(idp, "demoted-service", secret);

        Assert.Equal((400, Errors.UnauthorizedClient), (refused.Status, refused.Error));
        Assert.Null(refused.AccessToken);
    }

    [Fact]
    public async Task a_scope_created_after_the_cache_was_filled_is_granted_with_its_audience()
    {
        // Arrange: the cache is filled before the scope exists.
        var warm = await ServiceClients.AddAsync(idp, "early-service");
        (await ServiceClients.TokenAsync(idp, "early-service", warm)).EnsureSuccess();

        // Act
        await ServiceClients.AddScopeAsync(idp, "reports", "reports-api");
        var secret = await ServiceClients.AddAsync(idp, "reporting-service", "reports");
        var response = await ServiceClients.TokenAsync(idp, "reporting-service", secret, "reports");

        // Assert
        var token = await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(idp.CreateClient()),
            response.EnsureSuccess().AccessToken!, "at+jwt", audience: "reports-api");
        Assert.Equal("reports", token.GetClaim("scope").Value);
    }
}
