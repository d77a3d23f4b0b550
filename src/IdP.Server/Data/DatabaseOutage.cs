using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace IdP.Server.Data;

/// <summary>Tells a database outage (unreachable, restarting, locked) from a bug.</summary>
public static class DatabaseOutage
{
    /// <summary>True when the exception, or one it wraps, says the database cannot serve right now.</summary>
    public static bool IsOutage(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Server-side errors such as a unique violation are bugs or races, not outages; PostgreSQL
                // marks the ones worth retrying (57P01 admin shutdown, 57P03 starting up, 08xxx connection) transient.
                case PostgresException postgres:
                    return postgres.IsTransient;
                // Client-side: refused or broken connection, pool exhausted, timeout.
                case NpgsqlException:
                    return true;
                // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_CANTOPEN, SQLITE_IOERR: the file is locked or gone.
                case SqliteException sqlite when sqlite.SqliteErrorCode is 5 or 6 or 14 or 10:
                    return true;
                case DbException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }

        return false;
    }
}
