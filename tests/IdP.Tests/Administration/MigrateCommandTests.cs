using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary><c>migrate</c> on a fresh folder, then again on the migrated database.</summary>
public sealed class MigrateCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Fact]
    public async Task migrate_applies_the_migrations_to_a_new_database_then_reports_the_schema_current()
    {
        // Act
        var first = (await cli.RunAsync("migrate")).EnsureSuccess();
        var second = (await cli.RunAsync("migrate")).EnsureSuccess();
        var secondJson = (await cli.RunAsync("migrate", "--json")).EnsureSuccess().Json;

        // Assert
        Assert.StartsWith("Applied ", first.Stdout, StringComparison.Ordinal);
        Assert.Contains("_InitialSchema", first.Stdout, StringComparison.Ordinal);
        Assert.True(await AppliedMigrationCountAsync() > 0);
        Assert.Contains("current", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Applied", second.Stdout, StringComparison.Ordinal);
        Assert.Empty(secondJson.GetProperty("applied").EnumerateArray());
        Assert.True(secondJson.GetProperty("current").GetBoolean());
    }

    /// <summary>What the database itself records, on whichever engine the suite runs.</summary>
    private async Task<long> AppliedMigrationCountAsync()
    {
        await using var connection = await TestDatabase.OpenAsync(cli.DataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM \"__EFMigrationsHistory\"";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
