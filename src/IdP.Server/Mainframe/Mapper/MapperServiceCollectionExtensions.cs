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
        services.AddSingleton<VerifiedGatewayTokens>();
        services.AddSingleton<MapperCallerAuthenticator>();
        services.AddSingleton<MappingLookup>();
        services.AddScoped<MapperEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapIdpMapper(this IEndpointRouteBuilder endpoints)
    {
        // Always mapped; whether it answers is read per request. Reading the options here, while the pipeline is
        // built, would turn a bad Mainframe:Mapper setting into a crash with a stack trace instead of the clean
        // start-up message that ValidateOnStart gives.
        endpoints.MapPost(MapperEndpoint.Path, (MapperEndpoint endpoint, HttpContext context, Microsoft.Extensions.Options.IOptions<MapperOptions> options)
                => options.Value.Enabled ? endpoint.HandleAsync(context) : Task.FromResult(Results.NotFound()))
            .DisableAntiforgery()
            .ExcludeFromDescription();
        return endpoints;
    }
}
