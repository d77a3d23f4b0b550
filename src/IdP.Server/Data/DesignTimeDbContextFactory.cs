using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace IdP.Server.Data;

/// <summary>
/// Used only by <c>dotnet ef migrations add</c>, so the tools need not start the server. Each provider has its own
/// context type and migration set under <c>migrations/</c>; <c>migrations/add-migration.sh</c> adds to both.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<IdpDbContext>
{
    public IdpDbContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<IdpDbContext>()
            .UseApplicationServiceProvider(DesignTimeServices.Create())
            .UseSqlite("Data Source=design-time.db")
            .UseOpenIddict()
            .Options);
}

/// <summary>The PostgreSQL twin of <see cref="DesignTimeDbContextFactory"/>; no server is contacted to add a migration.</summary>
internal sealed class PostgreSqlDesignTimeDbContextFactory : IDesignTimeDbContextFactory<PostgreSqlIdpDbContext>
{
    public PostgreSqlIdpDbContext CreateDbContext(string[] args)
        => new(new DbContextOptionsBuilder<PostgreSqlIdpDbContext>()
            .UseApplicationServiceProvider(DesignTimeServices.Create())
            .UseNpgsql("Host=localhost;Database=idp_design_time")
            .UseOpenIddict()
            .Options);
}

internal static class DesignTimeServices
{
    // Identity reads its schema version (3: with passkeys) from IdentityOptions in the application's services;
    // the tools have none, so give them the same setting the server uses.
    public static IServiceProvider Create()
        => new ServiceCollection()
            .Configure<IdentityOptions>(identity => identity.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .BuildServiceProvider();
}
