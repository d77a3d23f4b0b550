using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Data;

/// <summary>The per-connection SQLite settings IdP relies on, read back from a connection IdP's own context opened.</summary>
[Trait(TestDatabase.Trait, TestDatabase.SqliteOnly)]
public sealed class SqliteConnectionSettingsTests
{
    [Theory]
    [InlineData(null, "1", "30000")] // defaults: synchronous=NORMAL (1), the 30 s command timeout
    [InlineData("Full", "2", "5000")]
    public async Task every_connection_runs_in_wal_mode_with_foreign_keys_the_configured_sync_mode_and_a_busy_timeout(
        string? synchronous, string expectedSynchronous, string expectedBusyTimeoutMs)
    {
        var settings = new Dictionary<string, string?>();
        if (synchronous is not null)
        {
            settings["Database:SqliteSynchronous"] = synchronous;
        }

        var dataDirectory = IdpFactory.NewDataDirectory();
        if (expectedBusyTimeoutMs != "30000")
        {
            settings["Database:ConnectionString"] = $"Data Source={Path.Combine(dataDirectory, "idp.db")};Default Timeout=5";
            Directory.CreateDirectory(dataDirectory);
        }

        using var idp = new SettingsFactory(dataDirectory, settings);
        await using var scope = idp.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
        await db.Database.OpenConnectionAsync();
        try
        {
            Assert.Equal("wal", await PragmaAsync(db, "journal_mode"));
            Assert.Equal(expectedSynchronous, await PragmaAsync(db, "synchronous"));
            Assert.Equal("1", await PragmaAsync(db, "foreign_keys"));
            // Without it, a write that meets another writer's lock fails at once and Microsoft.Data.Sqlite sleeps 150 ms.
            Assert.Equal(expectedBusyTimeoutMs, await PragmaAsync(db, "busy_timeout"));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task a_pooled_connection_opened_again_still_has_every_setting()
    {
        // The pragmas run once per native connection; Microsoft.Data.Sqlite's pool hands the same one out again.
        using var idp = new SettingsFactory(IdpFactory.NewDataDirectory(), new Dictionary<string, string?> { ["Database:SqliteSynchronous"] = "Full" });
        object? firstHandle = null;
        for (var open = 1; open <= 3; open++)
        {
            await using var scope = idp.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();
            await db.Database.OpenConnectionAsync();
            try
            {
                var handle = ((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).Handle;
                Assert.NotNull(handle);
                firstHandle ??= handle;
                Assert.Same(firstHandle, handle);
                Assert.Equal("wal", await PragmaAsync(db, "journal_mode"));
                Assert.Equal("2", await PragmaAsync(db, "synchronous"));
                Assert.Equal("1", await PragmaAsync(db, "foreign_keys"));
                Assert.Equal("30000", await PragmaAsync(db, "busy_timeout"));
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        }
    }

    private sealed class SettingsFactory(string dataDirectory, IDictionary<string, string?> settings) : IdpFactory(dataDirectory, settings);

    private static async Task<string?> PragmaAsync(IdpDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return (await command.ExecuteScalarAsync())?.ToString();
    }
}
