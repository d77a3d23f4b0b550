using System.Net;
using System.Text.Json;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Hosting;

/// <summary><c>/health/live</c> and <c>/health/ready</c>: anonymous, 200 or 503, with the failing check named.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task live_and_ready_answer_200_healthy_without_authentication_on_a_normal_server()
    {
        using var idp = new IdpFactory();
        using var client = idp.CreateClient();

        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));
        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", (await ReadAsync(live)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var report = await ReadAsync(ready);
        Assert.Equal("Healthy", report.GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", report.GetProperty("checks").GetProperty("signing-key").GetProperty("status").GetString());
    }

    [Fact]
    [Trait(TestDatabase.Trait, TestDatabase.SqliteOnly)] // breaks the SQLite file; DatabaseOutageTests does PostgreSQL
    public async Task ready_is_503_when_the_database_cannot_be_opened_while_live_stays_200()
    {
        using var idp = new IdpFactory();
        using var client = idp.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        // The database cannot be opened again: a file stands where its folder was (so IdP cannot recreate the
        // folder either), and pooled connections, which would still see the deleted database, are dropped.
        Directory.Delete(idp.DataDirectory, recursive: true);
        await File.WriteAllTextAsync(idp.DataDirectory, "not a folder");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        using var live = await client.GetAsync(new Uri("/health/live", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var database = (await ReadAsync(ready)).GetProperty("checks").GetProperty("database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.Equal("The database cannot be reached.", database.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        File.Delete(idp.DataDirectory);
    }

    [Fact]
    [Trait(TestDatabase.Trait, TestDatabase.SqliteOnly)] // breaks the SQLite file; DatabaseOutageTests does PostgreSQL
    public async Task ready_is_503_naming_pending_migrations_when_the_database_is_replaced_by_an_empty_one()
    {
        using var idp = new IdpFactory();
        using var client = idp.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode);

        // The next connection creates a new, empty file: every migration is pending, as after deploying a binary
        // whose migrations have not been applied.
        foreach (var file in Directory.GetFiles(idp.DataDirectory, "idp.db*"))
        {
            File.Delete(file);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var database = (await ReadAsync(ready)).GetProperty("checks").GetProperty("database");
        Assert.Matches("^The database has [1-9][0-9]* pending migration\\(s\\)\\.$", database.GetProperty("description").GetString());
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
