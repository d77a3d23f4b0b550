using IdP.Tests.Infrastructure;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Clients;

/// <summary>
/// Two IdP instances on one database, as in a cluster: a change made on one reaches the other's cache through the
/// client change stamp within <c>ClientCache:ChangePollInterval</c> (here 30 s, on the test clock).
/// </summary>
public sealed class ClientCacheAcrossInstancesTests
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    private static Dictionary<string, string?> Settings() => new() { ["ClientCache:ChangePollInterval"] = PollInterval.ToString() };

    [Fact]
    public async Task a_secret_rotated_on_another_instance_stops_working_here_at_the_next_poll_and_the_new_one_works()
    {
        // Arrange: the second instance has the client in its cache.
        var dataDirectory = IdpFactory.NewDataDirectory();
        using var first = IdpFactory.On(dataDirectory, Settings());
        var oldSecret = await ServiceClients.AddAsync(first, "shared-service");
        using var second = IdpFactory.On(dataDirectory, Settings(), keepData: true);
        (await ServiceClients.TokenAsync(second, "shared-service", oldSecret)).EnsureSuccess();

        // Act
        var newSecret = await ServiceClients.RotateSecretAsync(first, "shared-service");
        var onFirst = await ServiceClients.TokenAsync(first, "shared-service", oldSecret);
        var onSecondBeforePoll = await ServiceClients.TokenAsync(second, "shared-service", oldSecret);
        second.Clock.Advance(PollInterval);
        var onSecondAfterPoll = await ServiceClients.TokenAsync(second, "shared-service", oldSecret);
        var newOnSecond = await ServiceClients.TokenAsync(second, "shared-service", newSecret);

        // Assert: at once where the change was made; elsewhere the copy in memory serves until the poll, no longer.
        Assert.Equal(Errors.InvalidClient, onFirst.Error);
        onSecondBeforePoll.EnsureSuccess();
        Assert.Equal((401, Errors.InvalidClient), (onSecondAfterPoll.Status, onSecondAfterPoll.Error));
        newOnSecond.EnsureSuccess();
    }

    [Fact]
    public async Task a_client_deleted_on_another_instance_is_refused_here_at_the_next_poll()
    {
        var dataDirectory = IdpFactory.NewDataDirectory();
        using var first = IdpFactory.On(dataDirectory, Settings());
        var secret = await ServiceClients.AddAsync(first, "retiring-service");
        using var second = IdpFactory.On(dataDirectory, Settings(), keepData: true);
        (await ServiceClients.TokenAsync(second, "retiring-service", secret)).EnsureSuccess();

        await ServiceClients.DeleteAsync(first, "retiring-service");
        second.Clock.Advance(PollInterval);
        var refused = await ServiceClients.TokenAsync(second, "retiring-service", secret);

        Assert.Equal((401, Errors.InvalidClient), (refused.Status, refused.Error));
    }

    [Fact]
    public async Task a_client_and_scope_created_on_another_instance_work_here_at_once()
    {
        // Arrange: the second instance's cache is filled before they exist.
        var dataDirectory = IdpFactory.NewDataDirectory();
        using var first = IdpFactory.On(dataDirectory, Settings());
        var early = await ServiceClients.AddAsync(first, "early-service");
        using var second = IdpFactory.On(dataDirectory, Settings(), keepData: true);
        (await ServiceClients.TokenAsync(second, "early-service", early)).EnsureSuccess();

        // Act: no clock advance; what the cache does not know is read from the database.
        await ServiceClients.AddScopeAsync(first, "ledger", "ledger-api");
        var secret = await ServiceClients.AddAsync(first, "late-service", "ledger");
        var response = await ServiceClients.TokenAsync(second, "late-service", secret, "ledger");

        // Assert
        await TokenVerifier.VerifyAsync(await TokenVerifier.FetchJwksAsync(second.CreateClient()),
            response.EnsureSuccess().AccessToken!, "at+jwt", audience: "ledger-api");
    }
}
