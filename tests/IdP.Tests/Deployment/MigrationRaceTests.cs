using IdP.Tests.Infrastructure;
using Npgsql;

namespace IdP.Tests.Deployment;

/// <summary>Instances of a deployment started at the same moment on an empty PostgreSQL database.</summary>
[Trait(TestDatabase.Trait, TestDatabase.PostgreSqlOnly)]
public sealed class MigrationRaceTests
{
    [Fact]
    public async Task two_instances_started_together_on_an_empty_database_both_come_up_and_the_schema_is_migrated_once()
    {
        // Arrange
        var cluster = PostgreSqlCluster.Shared;
        var database = "idp_race_" + Guid.NewGuid().ToString("N")[..12];
        await cluster.CreateDatabaseAsync(database);
        var settings = new Dictionary<string, string?>
        {
            ["Server:Issuer"] = "https://idp.example.test/",
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = cluster.ConnectionStringFor(database),
        };

        try
        {
            // Act
            await using var first = IdpProcess.Start("instance A", settings);
            await using var second = IdpProcess.Start("instance B", settings);
            await Task.WhenAll(first.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)), second.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)));

            // Assert: one instance applied the migrations; the other waited on the lock and found nothing to do.
            var migrators = new[] { first, second }.Where(p => p.Output.Contains("Applying ", StringComparison.Ordinal)).ToList();
            Assert.Single(migrators);
            var keyCreators = new[] { first, second }.Where(p => p.Output.Contains("Generated general signing key", StringComparison.Ordinal)).ToList();
            Assert.Single(keyCreators);
            Assert.Contains("Generated gateway signing key", keyCreators[0].Output, StringComparison.Ordinal);

            await using var connection = new NpgsqlConnection(cluster.ConnectionStringFor(database) + ";Pooling=false");
            await connection.OpenAsync();
            Assert.Equal(await CountAsync(connection, "SELECT COUNT(DISTINCT \"MigrationId\") FROM \"__EFMigrationsHistory\""),
                         await CountAsync(connection, "SELECT COUNT(*) FROM \"__EFMigrationsHistory\""));
            Assert.Equal(1, await CountAsync(connection, "SELECT COUNT(*) FROM \"IdpSigningKeys\" WHERE \"Use\" = 'sig' AND \"Set\" = 'general'"));
            Assert.Equal(1, await CountAsync(connection, "SELECT COUNT(*) FROM \"IdpSigningKeys\" WHERE \"Use\" = 'sig' AND \"Set\" = 'gateway'"));
            Assert.Equal(1, await CountAsync(connection, "SELECT COUNT(*) FROM \"IdpSigningKeys\" WHERE \"Use\" = 'enc'"));
        }
        finally
        {
            await cluster.DropDatabaseAsync(database);
        }
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
