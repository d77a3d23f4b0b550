using System.Collections.Concurrent;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// Which database engine the suite runs on: SQLite (default) or PostgreSQL when <c>IDP_TEST_DATABASE=PostgreSql</c>
/// (tests/test.sh runs the whole suite once on each). A test's "data folder" names its database either way: the
/// SQLite file inside it, or a PostgreSQL database on the shared cluster named after it, so reopening the same
/// folder reopens the same data on both engines.
/// </summary>
public static class TestDatabase
{
    public const string Variable = "IDP_TEST_DATABASE";

    /// <summary>xunit trait for tests that need one engine: <c>[Trait(TestDatabase.Trait, TestDatabase.PostgreSqlOnly)]</c>.</summary>
    public const string Trait = "Database";
    public const string PostgreSqlOnly = "PostgreSql";
    public const string SqliteOnly = "Sqlite";

    private static readonly ConcurrentDictionary<string, Lazy<Task>> Created = new(StringComparer.Ordinal);

    public static bool IsPostgreSql
        => string.Equals(Environment.GetEnvironmentVariable(Variable), "PostgreSql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The settings that point IdP at the database for <paramref name="dataDirectory"/> (created on first use).</summary>
    public static IDictionary<string, string?> SettingsFor(string dataDirectory)
    {
        if (!IsPostgreSql)
        {
            return new Dictionary<string, string?> { ["Database:DataDirectory"] = dataDirectory };
        }

        var name = DatabaseName(dataDirectory);
        Created.GetOrAdd(name, n => new Lazy<Task>(() => PostgreSqlCluster.Shared.CreateDatabaseAsync(n))).Value.GetAwaiter().GetResult();
        return new Dictionary<string, string?>
        {
            ["Database:DataDirectory"] = dataDirectory,
            ["Database:Provider"] = "PostgreSql",
            ["Database:ConnectionString"] = PostgreSqlCluster.Shared.ConnectionStringFor(name),
        };
    }

    /// <summary>A raw connection to the database of <paramref name="dataDirectory"/>, to look at what IdP wrote.</summary>
    public static async Task<DbConnection> OpenAsync(string dataDirectory)
    {
        DbConnection connection = IsPostgreSql
            ? new NpgsqlConnection(PostgreSqlCluster.Shared.ConnectionStringFor(DatabaseName(dataDirectory)) + ";Pooling=false")
            : new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "idp.db")};Pooling=False");
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Removes the database of <paramref name="dataDirectory"/> (the folder itself is the caller's).</summary>
    public static void Drop(string dataDirectory)
    {
        if (IsPostgreSql)
        {
            var name = DatabaseName(dataDirectory);
            PostgreSqlCluster.Shared.DropDatabaseAsync(name).GetAwaiter().GetResult();
            Created.TryRemove(name, out _);
        }
        else
        {
            SqliteConnection.ClearAllPools();
        }
    }

    public static string DatabaseName(string dataDirectory)
        => "idp_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataDirectory))))[..20];
}
