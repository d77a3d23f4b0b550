using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace IdP.Server.Data;

/// <summary>
/// Used only by <c>dotnet ef migrations add</c>, so the tools need not start the server. The provider is chosen
/// with <c>-- --provider Sqlite</c> (the default); each provider has its own migration set under <c>migrations/</c>.
/// </summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<IdpDbContext>
{
    public IdpDbContext CreateDbContext(string[] args)
    {
        // Identity reads its schema version (3: with passkeys) from IdentityOptions in the application's
        // services; the tools have none, so give them the same setting the server uses.
        var services = new ServiceCollection()
            .Configure<IdentityOptions>(identity => identity.Stores.SchemaVersion = IdentitySchemaVersions.Version3)
            .BuildServiceProvider();

        var options = new DbContextOptionsBuilder<IdpDbContext>()
            .UseApplicationServiceProvider(services)
            .UseSqlite("Data Source=design-time.db")
            .UseOpenIddict()
            .Options;
        return new IdpDbContext(options);
    }
}
