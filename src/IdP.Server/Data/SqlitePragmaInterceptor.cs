using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IdP.Server.Data;

/// <summary>
/// Applies the per-connection SQLite pragmas IdP relies on. <c>journal_mode=WAL</c> is persistent in the file,
/// but <c>synchronous</c> and <c>foreign_keys</c> are per connection, so they are set every time one opens.
/// </summary>
internal sealed class SqlitePragmaInterceptor(string synchronous) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous.ToUpperInvariant()}; PRAGMA foreign_keys=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
    }
}
