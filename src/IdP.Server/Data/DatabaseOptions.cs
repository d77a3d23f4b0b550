using System.ComponentModel.DataAnnotations;
using System.Data.Common;

namespace IdP.Server.Data;

public enum DatabaseProvider
{
    /// <summary>The embedded default: one file, one node.</summary>
    Sqlite,

    /// <summary>A shared PostgreSQL database, for several instances behind a load balancer.</summary>
    PostgreSql,
}

/// <summary>Where IdP keeps its data. Bound from the <c>Database</c> configuration section.</summary>
public sealed class DatabaseOptions : IValidatableObject
{
    public const string SectionName = "Database";

    /// <summary>The database engine. SQLite is the embedded default.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// Folder for the embedded SQLite database file, relative to the working directory unless absolute.
    /// Ignored when <see cref="ConnectionString"/> is set.
    /// </summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "Database:DataDirectory must not be empty.")]
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// An explicit connection string. SQLite: when empty, IdP uses <c>{DataDirectory}/idp.db</c>. PostgreSQL:
    /// required, e.g. <c>Host=db;Database=idp;Username=idp;Password=…</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Apply pending migrations when the server starts or a command runs. Instances that start together take a
    /// database lock first, so exactly one of them migrates.
    /// </summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>
    /// How long start-up waits for an unreachable database (e.g. PostgreSQL still starting) before giving up.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Database:StartupTimeout must be between 00:00:00 and 01:00:00.")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// SQLite's <c>synchronous</c> pragma under WAL: <c>Normal</c> (default) or <c>Full</c>.
    /// Note: with <c>Normal</c> a committed transaction survives a process crash but the last few may be lost
    /// on a power failure or OS crash; <c>Full</c> syncs every commit.
    /// </summary>
    [AllowedValues("Normal", "Full", ErrorMessage = "Database:SqliteSynchronous must be Normal or Full.")]
    public string SqliteSynchronous { get; set; } = "Normal";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == DatabaseProvider.PostgreSql && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "Database:ConnectionString is required when Database:Provider is PostgreSql (e.g. \"Host=db;Database=idp;Username=idp;Password=...\").",
                [nameof(ConnectionString)]);
        }

        if (!string.IsNullOrWhiteSpace(ConnectionString) && ConnectionStringError() is { } error)
        {
            // The string itself is never repeated: it usually holds a password.
            yield return new ValidationResult(
                $"Database:ConnectionString is not a valid {Provider} connection string: {error}", [nameof(ConnectionString)]);
        }
    }

    /// <summary>
    /// What is wrong with <see cref="ConnectionString"/>, by the provider's own parser, if anything. Never a value,
    /// nor a keyword the provider does not know: with an unquoted ';' in a password, that keyword is part of it.
    /// </summary>
    private string? ConnectionStringError()
    {
        DbConnectionStringBuilder written;
        try
        {
            written = new DbConnectionStringBuilder { ConnectionString = ConnectionString };
        }
        catch (ArgumentException exception)
        {
            // "Format of the initialization string does not conform to specification starting at index N."
            return exception.Message;
        }

        DbConnectionStringBuilder provider = Provider == DatabaseProvider.PostgreSql
            ? new Npgsql.NpgsqlConnectionStringBuilder()
            : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder();
        foreach (string keyword in written.Keys)
        {
            if (!provider.ContainsKey(keyword))
            {
                return "it has a keyword the provider does not know (check the spelling, and quote a value that contains ';').";
            }

            try
            {
                provider[keyword] = written[keyword];
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                return $"the value of '{keyword}' is not valid.";
            }
        }

        return null;
    }

    /// <summary>The connection string actually used, with the data folder resolved to an absolute path.</summary>
    public string ResolveConnectionString()
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            return ConnectionString;
        }

        return $"Data Source={ResolveSqlitePath()};Pooling=True;Default Timeout=30";
    }

    /// <summary>The absolute path of the embedded database file.</summary>
    public string ResolveSqlitePath() => Path.Combine(Path.GetFullPath(DataDirectory), "idp.db");

    /// <summary>
    /// Creates the folder of the SQLite database. One that cannot be created (a path under a file, a folder the
    /// account running IdP may not write to) is a configuration mistake, and is reported as one.
    /// </summary>
    public void CreateDataDirectory()
    {
        var directory = Path.GetDirectoryName(ResolveSqlitePath())!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // No inner exception: the command line reports the innermost message, and this one says what to change.
            throw new InvalidOperationException(
                $"Database:DataDirectory: the folder {directory} cannot be created ({exception.Message}). " +
                "Set a folder the account running IdP can create and write to.");
        }
    }
}
