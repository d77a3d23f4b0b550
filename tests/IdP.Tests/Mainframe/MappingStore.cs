using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mainframe;

/// <summary>Reads the mapping table and its change stamp straight from the CLI's database, to see exactly what a command wrote.</summary>
internal static class MappingStore
{
    public static async Task<long> ChangeStampAsync(AdminCli cli)
        => (long)(await ScalarAsync(cli, "SELECT \"Version\" FROM \"IdpMappingChangeStamp\" WHERE \"Id\" = 1"))!;

    /// <summary>Every row, ordered, as one string per row: enough to tell any change apart.</summary>
    public static async Task<IReadOnlyList<string>> RowsAsync(AdminCli cli)
    {
        await using var connection = await TestDatabase.OpenAsync(cli.DataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT "DistributedId", "Registry", "MainframeUserId", "Kind", COALESCE("Label", '') FROM "IdpIdentityMappings" ORDER BY "Id" """;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, 5).Select(reader.GetString)));
        }

        return rows;
    }

    private static async Task<object?> ScalarAsync(AdminCli cli, string sql)
    {
        await using var connection = await TestDatabase.OpenAsync(cli.DataDirectory);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
