using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Data;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IdpDbContext"/> on the configured provider, and the migrator.</summary>
    public static IServiceCollection AddIdpDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddDbContext<IdpDbContext>((provider, options) =>
        {
            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            switch (database.Provider)
            {
                case DatabaseProvider.Sqlite:
                    var path = database.ResolveSqlitePath();
                    if (string.IsNullOrWhiteSpace(database.ConnectionString))
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    }

                    options.UseSqlite(database.ResolveConnectionString(), sqlite =>
                        sqlite.MigrationsAssembly(typeof(IdpDbContext).Assembly.FullName));
                    options.AddInterceptors(new SqlitePragmaInterceptor(database.SqliteSynchronous));
                    break;

                default:
                    throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported.");
            }

            // OpenIddict's entity sets live in the same context.
            options.UseOpenIddict();
        });

        services.AddScoped<DatabaseMigrator>();
        return services;
    }
}
