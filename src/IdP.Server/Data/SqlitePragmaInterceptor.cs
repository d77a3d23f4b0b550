using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IdP.Server.Data;

/// <summary>
/// Applies the per-connection SQLite pragmas IdP relies on. <c>journal_mode=WAL</c> is persistent in the file,
/// but <c>synchronous</c>, <c>foreign_keys</c> and <c>busy_timeout</c> are per connection, so they are set every
/// time one opens.
/// </summary>
/// <remarks>
/// <c>busy_timeout</c>: SQLite has one writer at a time. Without a busy timeout, a write that finds the database
/// locked fails at once with SQLITE_BUSY, and Microsoft.Data.Sqlite retries it after sleeping 150 ms, again and
/// again: under concurrent sign-ins, requests slept while the core sat idle (docs/benchmarks.md). With it, SQLite
/// itself waits, retrying within milliseconds of the lock's release, up to the connection's command timeout
/// (<c>Default Timeout</c> in the connection string, 30 s unless set).
/// </remarks>
internal sealed class SqlitePragmaInterceptor(string synchronous) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous.ToUpperInvariant()}; PRAGMA foreign_keys=ON;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private string PragmasFor(DbConnection connection)
    {
        // A command timeout of 0 means no limit; busy_timeout=0 would mean no waiting at all.
        var timeoutSeconds = connection is SqliteConnection sqlite ? sqlite.DefaultTimeout : 30;
        var busyTimeoutMs = timeoutSeconds > 0 ? Math.Min(timeoutSeconds * 1000L, int.MaxValue) : int.MaxValue;
        return $"{_pragmas} PRAGMA busy_timeout={busyTimeoutMs};";
    }
}
