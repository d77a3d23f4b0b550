using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace IdP.Tests.Data;

/// <summary>
/// Each provider's migration set is generated from the same model: a model change without a migration in both
/// sets (migrations/add-migration.sh adds to both) fails here, in CI, before it fails a deployment.
/// </summary>
public sealed class MigrationSetTests
{
    [Fact]
    public void the_sqlite_migrations_match_the_model()
    {
        using var db = new DesignTimeDbContextFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a SQLite migration: run migrations/add-migration.sh <Name>.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void the_postgresql_migrations_match_the_model()
    {
        using var db = new PostgreSqlDesignTimeDbContextFactory().CreateDbContext([]);

        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a PostgreSQL migration: run migrations/add-migration.sh <Name>.");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void the_two_sets_are_kept_apart_by_context_type()
    {
        using var sqlite = new DesignTimeDbContextFactory().CreateDbContext([]);
        using var postgreSql = new PostgreSqlDesignTimeDbContextFactory().CreateDbContext([]);

        var sqliteMigrations = sqlite.GetService<IMigrationsAssembly>().Migrations.Values.Select(t => t.Namespace).Distinct();
        var postgreSqlMigrations = postgreSql.GetService<IMigrationsAssembly>().Migrations.Values.Select(t => t.Namespace).Distinct();

        Assert.Equal(["IdP.Server.Migrations.Sqlite"], sqliteMigrations);
        Assert.Equal(["IdP.Server.Migrations.PostgreSql"], postgreSqlMigrations);
    }
}
