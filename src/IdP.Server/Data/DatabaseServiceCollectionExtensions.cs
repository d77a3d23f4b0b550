using IdP.Server.Hosting;
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
            .ValidateSettings()
            .ValidateOnStart();

        // Both contexts are registered; which one answers for IdpDbContext is decided from the validated options
        // when a scope first asks, so the choice follows configuration wherever it was set (files, environment,
        // test hosts).
        //
        // Contexts are pooled, with options built once: a request that is answered from the caches (a client-
        // credentials grant, a mapper lookup) still gets a context from OpenIddict's stores or Identity, and a fresh
        // one costs far more than the request's own work: building its options (the provider, the interceptors) and
        // creating EF Core's internal services the first time anything touches it. A pooled context keeps those
        // services and is reset (change tracker, settings) when its scope ends (docs/benchmarks.md).
        // Each context's model is compiled ahead of time (Data/CompiledModels, migrations/compile-model.sh) and found
        // by EF Core through the [DbContextModel] attribute generated with it: building it at start-up ran EF Core's
        // conventions over every entity, code and memory an idle server kept. Nothing here names the compiled types,
        // so deleting that folder (to recover from a removed entity) leaves a project that builds.
        services.AddPooledDbContextFactory<IdpDbContext>((provider, options) =>
        {
            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            if (string.IsNullOrWhiteSpace(database.ConnectionString))
            {
                database.CreateDataDirectory();
            }

            options.UseSqlite(database.ResolveConnectionString(), sqlite =>
                sqlite.MigrationsAssembly(typeof(IdpDbContext).Assembly.FullName));
            options.AddInterceptors(new SqlitePragmaInterceptor(database.SqliteSynchronous));

            // OpenIddict's entity sets live in the same context.
            options.UseOpenIddict();
        });

        services.AddPooledDbContextFactory<PostgreSqlIdpDbContext>((provider, options) =>
        {
            var database = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            // Note: no retrying execution strategy. IdP's conditional writes (TOTP replay guard, recovery codes,
            // lockout counters) run in explicit transactions, which a retrying strategy would have to replay
            // as a whole; a failed request fails cleanly instead and the client retries.
            options.UseNpgsql(database.ConnectionString, npgsql =>
                npgsql.MigrationsAssembly(typeof(IdpDbContext).Assembly.FullName));
            options.UseOpenIddict();
        });

        // The scope disposes the context at its end, which returns it to its pool.
        services.AddScoped<IdpDbContext>(provider =>
            provider.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider switch
            {
                DatabaseProvider.PostgreSql => provider.GetRequiredService<IDbContextFactory<PostgreSqlIdpDbContext>>().CreateDbContext(),
                _ => provider.GetRequiredService<IDbContextFactory<IdpDbContext>>().CreateDbContext(),
            });

        services.AddSingleton<DatabaseLock>();
        services.AddScoped<DatabaseMigrator>();
        return services;
    }
}
