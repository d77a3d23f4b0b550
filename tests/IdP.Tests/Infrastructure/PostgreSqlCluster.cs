using Npgsql;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL cluster from Debian's packages (<c>initdb</c>, <c>pg_ctl</c>) in a temporary folder,
/// listening on a free loopback port with trust authentication. Tests that stop and restart the database get one
/// of their own; the rest share <see cref="Shared"/>. tests/test.sh installs the packages when they are missing.
/// </summary>
/// <remarks>
/// PostgreSQL refuses to run as root, so as root the cluster runs as the <c>postgres</c> system user (runuser).
/// </remarks>
public sealed class PostgreSqlCluster : IAsyncDisposable
{
    private static readonly Lazy<PostgreSqlCluster> LazyShared = new(() =>
    {
        var cluster = Start(durable: false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Destroy();
        return cluster;
    });

    private readonly string _directory;
    private readonly string _binaries;

    private PostgreSqlCluster(string directory, string binaries, int port)
    {
        _directory = directory;
        _binaries = binaries;
        Port = port;
    }

    /// <summary>One cluster for the whole test run, removed when the test process exits.</summary>
    public static PostgreSqlCluster Shared => LazyShared.Value;

    public int Port { get; }

    /// <summary>A connection string for one database of this cluster.</summary>
    public string ConnectionStringFor(string database)
        => $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Include Error Detail=true";

    /// <summary>
    /// Initialises and starts a new cluster. <paramref name="durable"/> false turns off fsync: the shared cluster
    /// only holds test data and never survives a machine crash anyway; tests about durability use their own.
    /// </summary>
    public static PostgreSqlCluster Start(bool durable = true)
    {
        var binaries = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "idp-pg", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        if (IsRoot)
        {
            ExternalCommand.RunOrThrow("chown", "postgres:postgres", directory);
            ExternalCommand.RunOrThrow("chmod", "755", Path.GetDirectoryName(directory)!);
        }

        var data = Path.Combine(directory, "data");
        RunAsOwner(Path.Combine(binaries, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C");
        var cluster = new PostgreSqlCluster(directory, binaries, IdpProcess.FreePort());
        cluster.StartServer(durable);
        return cluster;
    }

    public void StartServer(bool durable = true)
    {
        var options = $"-p {Port} -c listen_addresses=127.0.0.1 -k {_directory} -c max_connections=300 -c shared_buffers=32MB"
                      + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        RunAsOwner(Path.Combine(_binaries, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"),
            "-o", options, "-w", "-t", "60", "start");
    }

    /// <summary>Stops the server (fast shutdown: sessions are cut, as in an outage); the data stays.</summary>
    public void StopServer()
        => RunAsOwner(Path.Combine(_binaries, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "fast", "-w", "-t", "60", "stop");

    public async Task CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", name);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    public async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionStringFor(name)));
        await using var connection = new NpgsqlConnection(ConnectionStringFor("postgres") + ";Pooling=false");
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        Destroy();
        return ValueTask.CompletedTask;
    }

    private void Destroy()
    {
        try
        {
            RunAsOwner(Path.Combine(_binaries, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder.
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("IDP_TEST_PG_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        var versions = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [];
        var binaries = versions.Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
            .FirstOrDefault();
        return binaries ?? throw new InvalidOperationException(
            "PostgreSQL's server binaries were not found under /usr/lib/postgresql/*/bin. Run the tests with tests/test.sh, which installs " +
            "Debian's postgresql package, or set IDP_TEST_PG_BIN.");
    }

    private static void RunAsOwner(string program, params string[] args)
    {
        if (IsRoot)
        {
            ExternalCommand.RunOrThrow("runuser", ["-u", "postgres", "--", program, .. args]);
        }
        else
        {
            ExternalCommand.RunOrThrow(program, args);
        }
    }
}
