using IdP.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace IdP.Tests.Clients;

/// <summary>
/// What a warm client-credentials grant costs the database, counted by an EF Core command interceptor on the real
/// pipeline. Before the client cache it was 3 queries (the client, and the scope twice); a regression shows here.
/// </summary>
public sealed class ClientCredentialsRoundTripTests
{
    private const int Grants = 10;

    [Fact]
    public async Task a_warm_client_credentials_grant_sends_no_sql_command_between_polls()
    {
        // Arrange: no stamp poll falls due during the test (the clock does not move a minute).
        using var idp = new CountingIdpFactory("00:01:00");
        var client = await WarmServiceAsync(idp);

        // Act
        for (var i = 0; i < Grants; i++)
        {
            (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();
        }

        // Assert
        Assert.True(idp.Counter.Commands.Count == 0, "SQL sent: " + string.Join(" | ", idp.Counter.Commands));
    }

    [Fact]
    public async Task with_the_stamp_read_on_every_request_a_warm_grant_sends_exactly_one_primary_key_read()
    {
        using var idp = new CountingIdpFactory("00:00:00");
        var client = await WarmServiceAsync(idp);

        for (var i = 0; i < Grants; i++)
        {
            (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();
        }

        Assert.Equal(Grants, idp.Counter.Commands.Count);
        Assert.All(idp.Counter.Commands, sql => Assert.Contains("\"IdpClientChangeStamp\"", sql, StringComparison.Ordinal));
    }

    [Fact]
    public async Task after_a_poll_finds_the_stamp_unchanged_the_grant_sends_that_one_read_and_nothing_else()
    {
        using var idp = new CountingIdpFactory("00:00:05");
        var client = await WarmServiceAsync(idp);

        idp.Clock.Advance(TimeSpan.FromSeconds(5));
        (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();
        (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();

        var sql = Assert.Single(idp.Counter.Commands);
        Assert.Contains("\"IdpClientChangeStamp\"", sql, StringComparison.Ordinal);
    }

    [Fact]
    public async Task with_the_cache_turned_off_a_grant_reads_the_client_and_its_scopes_once_each()
    {
        using var idp = new CountingIdpFactory("00:00:01", cacheEnabled: false);
        var client = await WarmServiceAsync(idp);

        (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();

        // OpenIddict validates the scopes first, then authenticates the client; the second scope lookup (for the
        // audiences) is answered from what this request already read.
        Assert.Equal(2, idp.Counter.Commands.Count);
        Assert.Single(idp.Counter.Commands, sql => sql.Contains("\"OpenIddictScopes\"", StringComparison.Ordinal));
        Assert.Single(idp.Counter.Commands, sql => sql.Contains("\"OpenIddictApplications\"", StringComparison.Ordinal));
    }

    /// <summary>A client with an API scope, one grant already served (the cache is filled), and the counter reset.</summary>
    private static async Task<OidcClient> WarmServiceAsync(CountingIdpFactory idp)
    {
        await ServiceClients.AddScopeAsync(idp, "inventory", "inventory-api");
        var client = new OidcClient(idp.CreateClient(), "stock-service", await ServiceClients.AddAsync(idp, "stock-service", "inventory"));
        (await client.ClientCredentialsAsync("inventory")).EnsureSuccess();
        idp.Counter.Clear();
        return client;
    }

    private sealed class CountingIdpFactory(string pollInterval, bool cacheEnabled = true)
        : IdpFactory(NewDataDirectory(), new Dictionary<string, string?>
        {
            ["ClientCache:ChangePollInterval"] = pollInterval,
            ["ClientCache:Enabled"] = cacheEnabled ? "true" : "false",
        })
    {
        public SqlCommandCounter Counter { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => Counter.AttachTo(services, "/connect/token"));
        }
    }
}
