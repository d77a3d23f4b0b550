using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IdP.Server.Data;

/// <summary>
/// A named lock shared by every instance on the same database: migrations, key creation and rotation, and
/// housekeeping each run on one instance at a time. No cluster protocol: the database is the arbiter.
/// </summary>
/// <remarks>
/// PostgreSQL: a session-level advisory lock (<c>pg_advisory_lock</c>) on a connection of its own, held until
/// disposed. If the instance dies, PostgreSQL ends the session and the lock goes with it, so a killed instance
/// never leaves a stale lock behind. SQLite is one node: an in-process lock per database file is enough (the
/// file's own write lock and EF Core's migration lock cover a second process such as the command line).
/// </remarks>
public sealed class DatabaseLock(IOptions<DatabaseOptions> options)
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> LocalLocks = new(StringComparer.Ordinal);

    /// <summary>Waits for the lock.</summary>
    public async Task<IAsyncDisposable> AcquireAsync(string name, CancellationToken cancellationToken = default)
        => await AcquireCoreAsync(name, wait: true, cancellationToken)
           ?? throw new InvalidOperationException("A waiting lock acquisition returned without the lock.");

    /// <summary>Takes the lock if no other instance holds it; null otherwise.</summary>
    public Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
        => AcquireCoreAsync(name, wait: false, cancellationToken);

    private async Task<IAsyncDisposable?> AcquireCoreAsync(string name, bool wait, CancellationToken cancellationToken)
    {
        var database = options.Value;
        if (database.Provider == DatabaseProvider.PostgreSql)
        {
            return await AdvisoryLock.AcquireAsync(database.ConnectionString!, KeyFor(name), wait, cancellationToken);
        }

        var local = LocalLocks.GetOrAdd($"{database.ResolveConnectionString()}|{name}", _ => new SemaphoreSlim(1, 1));
        if (wait)
        {
            await local.WaitAsync(cancellationToken);
        }
        else if (!await local.WaitAsync(TimeSpan.Zero, cancellationToken))
        {
            return null;
        }

        return new LocalLock(local);
    }

    /// <summary>A stable 64-bit key per lock name, the same on every instance and version.</summary>
    internal static long KeyFor(string name)
        => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("idp:" + name)), 0);

    private sealed class LocalLock(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class AdvisoryLock(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public static async Task<IAsyncDisposable?> AcquireAsync(string connectionString, long key, bool wait, CancellationToken cancellationToken)
        {
            var connection = new NpgsqlConnection(connectionString);
            try
            {
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand(wait ? "SELECT pg_advisory_lock(@key)" : "SELECT pg_try_advisory_lock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                // Note: waiting has no command timeout; the caller's cancellation token bounds it.
                command.CommandTimeout = 0;
                var result = await command.ExecuteScalarAsync(cancellationToken);
                if (!wait && result is false)
                {
                    await connection.DisposeAsync();
                    return null;
                }

                return new AdvisoryLock(connection, key);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteScalarAsync();
            }
            catch (NpgsqlException)
            {
                // The session is gone (database restarted, connection broken): so is the lock.
            }
            finally
            {
                // Closing returns the connection to the pool, which resets the session (DISCARD ALL) before reuse.
                await connection.DisposeAsync();
            }
        }
    }
}
