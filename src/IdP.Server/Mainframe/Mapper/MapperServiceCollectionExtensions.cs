namespace IdP.Server.Mainframe.Mapper;

public static class MapperServiceCollectionExtensions
{
    /// <summary>The ZSS-compatible identity mapper API ML calls, its caller authentication and lookup cache.</summary>
    public static IServiceCollection AddIdpMapper(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MapperOptions>()
            .Bind(configuration.GetSection(MapperOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMemoryCache();
        services.AddHttpClient(GatewayKeys.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<GatewayKeys>();
        services.AddSingleton<MapperCallerAuthenticator>();
        services.AddSingleton<MappingLookup>();
        services.AddScoped<MapperEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapIdpMapper(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MapperOptions>>().Value;
        if (options.Enabled)
        {
            endpoints.MapPost(MapperEndpoint.Path, (MapperEndpoint endpoint, HttpContext context) => endpoint.HandleAsync(context))
                .DisableAntiforgery()
                .ExcludeFromDescription();
        }

        return endpoints;
    }
}
