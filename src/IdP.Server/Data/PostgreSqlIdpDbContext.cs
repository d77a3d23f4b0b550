using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Data;

/// <summary>
/// The same model as <see cref="IdpDbContext"/> on PostgreSQL. It exists so that the PostgreSQL migrations
/// (<c>migrations/PostgreSql</c>) are bound to their own context type and never mixed with the SQLite set.
/// </summary>
public sealed class PostgreSqlIdpDbContext(DbContextOptions<PostgreSqlIdpDbContext> options) : IdpDbContext(options);
