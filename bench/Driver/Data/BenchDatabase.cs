using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace IdP.Bench.Data;

/// <summary>
/// Bulk rows written straight into IdP's SQLite file, in one transaction each: far faster than one command per
/// user, and still valid rows. Every user is a copy of a template user made with IdP's own command line (so the
/// password hash and the TOTP seed, encrypted with the database's Data Protection keys, are IdP's own), with a
/// new id, name, e-mail, security stamp and TOTP authenticator; every client is a copy of a template client.
/// Run it while no server uses the file.
/// </summary>
public sealed class BenchDatabase : IDisposable
{
    private readonly SqliteConnection _connection;

    public BenchDatabase(string path)
    {
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadWrite }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -262144; PRAGMA foreign_keys = ON;");
    }

    /// <summary>
    /// Adds users <c>{prefix}{start}</c> … (7-digit numbers), copies of <paramref name="templateUserName"/>, each
    /// with a copy of the template's TOTP authenticator (same seed, its own replay counter).
    /// </summary>
    public int CloneUsers(string templateUserName, string prefix, int start, int count, Action<int>? progress = null)
    {
        var user = ReadRow("AspNetUsers", "NormalizedUserName", templateUserName.ToUpperInvariant())
                   ?? throw new Suite.BenchException($"Template user '{templateUserName}' not found.");
        var authenticator = ReadRow("IdpTotpAuthenticators", "UserId", (string)user["Id"]!)
                            ?? throw new Suite.BenchException($"Template user '{templateUserName}' has no TOTP authenticator.");

        using var transaction = _connection.BeginTransaction();
        using var insertUser = PrepareInsert("AspNetUsers", user.Keys, transaction);
        using var insertAuthenticator = PrepareInsert("IdpTotpAuthenticators", authenticator.Keys, transaction);
        for (var i = 0; i < count; i++)
        {
            var name = UserName(prefix, start + i);
            var id = Guid.NewGuid().ToString();
            var email = name + "@bench.example";
            Bind(insertUser, user, new Dictionary<string, object?>
            {
                ["Id"] = id,
                ["UserName"] = name,
                ["NormalizedUserName"] = name.ToUpperInvariant(),
                ["Email"] = email,
                ["NormalizedEmail"] = email.ToUpperInvariant(),
                ["SecurityStamp"] = SecurityStamp(),
                ["ConcurrencyStamp"] = Guid.NewGuid().ToString(),
            });
            insertUser.ExecuteNonQuery();
            Bind(insertAuthenticator, authenticator, new Dictionary<string, object?>
            {
                ["Id"] = Guid.NewGuid().ToString("N"),
                ["UserId"] = id,
                ["LastAcceptedStep"] = 0L,
                ["PendingResyncStep"] = null,
            });
            insertAuthenticator.ExecuteNonQuery();
            if ((i + 1) % 100_000 == 0)
            {
                progress?.Invoke(i + 1);
            }
        }

        transaction.Commit();
        return count;
    }

    /// <summary>Adds clients <c>{prefix}{n}</c>, copies of <paramref name="templateClientId"/> (same grants, scopes and secret).</summary>
    public int CloneClients(string templateClientId, string prefix, int count)
    {
        var client = ReadRow("OpenIddictApplications", "ClientId", templateClientId)
                     ?? throw new Suite.BenchException($"Template client '{templateClientId}' not found.");
        using var transaction = _connection.BeginTransaction();
        using var insert = PrepareInsert("OpenIddictApplications", client.Keys, transaction);
        for (var i = 0; i < count; i++)
        {
            var clientId = UserName(prefix, i + 1);
            Bind(insert, client, new Dictionary<string, object?>
            {
                ["Id"] = Guid.NewGuid().ToString(),
                ["ClientId"] = clientId,
                ["DisplayName"] = clientId,
                ["ConcurrencyToken"] = Guid.NewGuid().ToString(),
            });
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return count;
    }

    /// <summary>
    /// Maps the users <c>{prefix}{start}</c> … in <paramref name="registry"/> to mainframe user IDs
    /// <c>{userIdLetter}0000001</c> …, and bumps the mapping change stamp as IdP's own writes do.
    /// </summary>
    public int MapUsers(string prefix, int start, int count, string registry, char userIdLetter)
    {
        using var transaction = _connection.BeginTransaction();
        using var find = Command("SELECT Id FROM AspNetUsers WHERE NormalizedUserName = $name", transaction);
        var name = find.Parameters.Add("$name", SqliteType.Text);
        using var insert = Command(
            "INSERT INTO IdpIdentityMappings (DistributedId, Registry, MainframeUserId, Kind, Label, CreatedAt) " +
            "VALUES ($dn, $registry, $userid, 'user', $label, $created)", transaction);
        var dn = insert.Parameters.Add("$dn", SqliteType.Text);
        insert.Parameters.AddWithValue("$registry", registry);
        var userid = insert.Parameters.Add("$userid", SqliteType.Text);
        var label = insert.Parameters.Add("$label", SqliteType.Text);
        insert.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture));
        for (var i = 0; i < count; i++)
        {
            var userName = UserName(prefix, start + i);
            name.Value = userName.ToUpperInvariant();
            dn.Value = find.ExecuteScalar() as string ?? throw new Suite.BenchException($"User '{userName}' not found.");
            userid.Value = MainframeUserId(userIdLetter, start + i);
            label.Value = userName;
            insert.ExecuteNonQuery();
        }

        using (var bump = Command(
                   "INSERT INTO IdpMappingChangeStamp (Id, Version) VALUES (1, 1) ON CONFLICT (Id) DO UPDATE SET Version = Version + 1", transaction))
        {
            bump.ExecuteNonQuery();
        }

        transaction.Commit();
        return count;
    }

    /// <summary>The ids of users <c>{prefix}{start}</c> …, in order (the mapper scenario sends them as dn).</summary>
    public IReadOnlyList<string> UserIds(string prefix, int start, int count)
    {
        using var find = Command("SELECT Id FROM AspNetUsers WHERE NormalizedUserName = $name", null);
        var name = find.Parameters.Add("$name", SqliteType.Text);
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            name.Value = UserName(prefix, start + i).ToUpperInvariant();
            ids.Add(find.ExecuteScalar() as string ?? throw new Suite.BenchException($"User {UserName(prefix, start + i)} not found."));
        }

        return ids;
    }

    public long Count(string table)
    {
        using var command = Command($"SELECT COUNT(*) FROM \"{table}\"", null);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Folds the WAL into the main file, so the database is one file that can be copied.</summary>
    public void Checkpoint() => Execute("PRAGMA wal_checkpoint(TRUNCATE);");

    public static string UserName(string prefix, int number) => prefix + number.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>1-8 of A-Z 0-9, starting with a letter, as RACF wants.</summary>
    public static string MainframeUserId(char letter, int number) => letter + number.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Identity's security stamp format: 32 base32 characters (160 random bits).</summary>
    private static string SecurityStamp()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        return string.Create(32, 0, (chars, _) =>
        {
            Span<byte> random = stackalloc byte[32];
            RandomNumberGenerator.Fill(random);
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = alphabet[random[i] & 31];
            }
        });
    }

    private Dictionary<string, object?>? ReadRow(string table, string keyColumn, string key)
    {
        using var command = Command($"SELECT * FROM \"{table}\" WHERE \"{keyColumn}\" = $key LIMIT 1", null);
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var row = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
        }

        return row;
    }

    private SqliteCommand PrepareInsert(string table, IEnumerable<string> columns, SqliteTransaction transaction)
    {
        var names = columns.ToList();
        var command = Command(
            $"INSERT INTO \"{table}\" ({string.Join(", ", names.Select(n => $"\"{n}\""))}) " +
            $"VALUES ({string.Join(", ", names.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)))})", transaction);
        for (var i = 0; i < names.Count; i++)
        {
            command.Parameters.Add(new SqliteParameter("$p" + i.ToString(CultureInfo.InvariantCulture), null) { SourceColumn = names[i] });
        }

        command.Prepare();
        return command;
    }

    private static void Bind(SqliteCommand insert, Dictionary<string, object?> template, Dictionary<string, object?> changes)
    {
        foreach (SqliteParameter parameter in insert.Parameters)
        {
            var value = changes.TryGetValue(parameter.SourceColumn, out var changed) ? changed : template[parameter.SourceColumn];
            parameter.Value = value ?? DBNull.Value;
        }
    }

    private SqliteCommand Command(string sql, SqliteTransaction? transaction)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql, null);
        command.ExecuteNonQuery();
    }

    public void Dispose() => _connection.Dispose();
}
