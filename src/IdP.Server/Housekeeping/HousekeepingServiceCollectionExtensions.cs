using IdP.Server.Hosting;

namespace IdP.Server.Housekeeping;

public static class HousekeepingServiceCollectionExtensions
{
    public static IServiceCollection AddIdpHousekeeping(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HousekeepingOptions>()
            .Bind(configuration.GetSection(HousekeepingOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();
        services.AddOptions<AuditOptions>()
            .Bind(configuration.GetSection(AuditOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddScoped<Housekeeper>();
        services.AddHostedService<HousekeepingService>();
        return services;
    }
}
