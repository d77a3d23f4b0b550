namespace IdP.Server.Administration;

public static class AdministrationServiceCollectionExtensions
{
    public static IServiceCollection AddIdpAdministration(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DemoOptions>().Bind(configuration.GetSection(DemoOptions.SectionName));
        services.AddScoped<UserAdministration>();
        services.AddScoped<ClientAdministration>();
        services.AddScoped<ScopeAdministration>();
        services.AddScoped<SecondFactorAdministration>();
        services.AddScoped<AuditAdministration>();
        services.AddScoped<Mainframe.MappingAdministration>();
        services.AddScoped<DemoSeeder>();
        return services;
    }
}
