using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SQLitePCL;

namespace IdP.Server.Data;

/// <summary>
/// Applies the per-connection SQLite pragmas IdP relies on. <c>journal_mode=WAL</c> is persistent in the file,
/// but <c>synchronous</c>, <c>foreign_keys</c> and <c>busy_timeout</c> are per connection, so they are set on
/// every native connection SQLite opens (see below for pooled ones).
/// </summary>
/// <remarks>
/// <c>busy_timeout</c>: SQLite has one writer at a time. Without a busy timeout, a write that finds the database
/// locked fails at once with SQLITE_BUSY, and Microsoft.Data.Sqlite retries it after sleeping 150 ms, again and
/// again: under concurrent sign-ins, requests slept while the core sat idle (docs/benchmarks.md). With it, SQLite
/// itself waits, retrying within milliseconds of the lock's release, up to the connection's command timeout
/// (<c>Default Timeout</c> in the connection string, 30 s unless set).
/// <para>
/// Microsoft.Data.Sqlite pools its native connections: closing a <see cref="SqliteConnection"/> hands the open
/// database handle back to the pool, and the next open of the same connection string gets it again with its
/// pragmas still in force. So the pragmas run once per native handle, not on every open: a request opens and
/// closes its connection several times, and four statements each time were measurable in a sign-in's profile.
/// </para>
/// </remarks>
internal sealed class SqlitePragmaInterceptor(string synchronous) : DbConnectionInterceptor
{
    private readonly string _pragmas =
        $"PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous.ToUpperInvariant()}; PRAGMA foreign_keys=ON;";

    // Native handles this interceptor has configured; an entry goes when its handle is closed and collected. Per
    // interceptor, not process-wide: another host in the same process (the tests) may want another sync mode.
    private readonly ConditionalWeakTable<sqlite3, object> _configured = [];
    private static readonly object Marker = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (AlreadyConfigured(connection))
        {
            return;
        }

        using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        command.ExecuteNonQuery();
        MarkConfigured(connection);
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (AlreadyConfigured(connection))
        {
            return;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = PragmasFor(connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        MarkConfigured(connection);
    }

    private bool AlreadyConfigured(DbConnection connection)
        => connection is SqliteConnection { Handle: { } handle } && _configured.TryGetValue(handle, out _);

    private void MarkConfigured(DbConnection connection)
    {
        if (connection is SqliteConnection { Handle: { } handle })
        {
            _configured.AddOrUpdate(handle, Marker);
        }
    }

    private string PragmasFor(DbConnection connection)
    {
        // A command timeout of 0 means no limit; busy_timeout=0 would mean no waiting at all.
        var timeoutSeconds = connection is SqliteConnection sqlite ? sqlite.DefaultTimeout : 30;
        var busyTimeoutMs = timeoutSeconds > 0 ? Math.Min(timeoutSeconds * 1000L, int.MaxValue) : int.MaxValue;
        return $"{_pragmas} PRAGMA busy_timeout={busyTimeoutMs};";
    }
}
