using IdP.Server.Hosting;
using IdP.Server.Hosting.RateLimits;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mainframe.Mapper;

public static class MapperServiceCollectionExtensions
{
    /// <summary>The ZSS-compatible identity mapper API ML calls, its caller authentication and lookup cache.</summary>
    public static IServiceCollection AddIdpMapper(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MapperOptions>()
            .Bind(configuration.GetSection(MapperOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddMemoryCache();
        services.AddHttpClient(GatewayKeys.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<GatewayKeys>();
        services.AddSingleton<MapperCallerAuthenticator>();
        services.AddSingleton<MappingLookup>();
        services.AddSingleton<MapperEndpoint>();
        return services;
    }

    /// <summary>
    /// The mapper in its own branch of the pipeline, after forwarded headers, the exception handler, status pages and
    /// security headers, and before static files, routing, authentication, authorization and antiforgery. None of
    /// those acts on a mapper call, and they cost more than the lookup: <c>UseAuthentication</c> runs OpenIddict's
    /// server on every request to work out whether it is one of its endpoints (docs/benchmarks.md). The gateway calls
    /// the mapper on every request it maps.
    /// </summary>
    public static IApplicationBuilder UseIdpMapper(this IApplicationBuilder app)
        // UseWhen with a branch that ends in Run, not MapWhen: MapWhen builds its branch at once, while the pipeline
        // is composed, and the rate limiter reads its options when built; a bad RateLimits setting would then crash
        // with a stack trace before start-up validation could give its message. UseWhen builds it with the pipeline.
        => app.UseWhen(
            // The exact path (any case): "/dn/" or "/dn/x" goes on down the main pipeline, to its 404.
            context => context.Request.Path.Equals(MapperEndpoint.Path, StringComparison.OrdinalIgnoreCase),
            mapper =>
            {
                // The gateway's cookie is verified ahead of the rate limiter: the gateway calls from one address on every
                // request it maps, so a verified gateway is not limited per IP (only per account, if configured);
                // callers without a verified cookie are.
                mapper.Use(async (context, next) =>
                {
                    if (HttpMethods.IsPost(context.Request.Method)
                        && context.RequestServices.GetRequiredService<IOptions<MapperOptions>>().Value.Enabled
                        && await context.RequestServices.GetRequiredService<MapperCallerAuthenticator>().VerifiedGatewayAsync(context) is { } gateway)
                    {
                        RateLimitPartitions.SetVerifiedCaller(context, gateway.Name);
                    }

                    await next(context);
                });
                mapper.UseIdpRateLimits();
                // OpenIddict's validation handler reads a service's bearer token only after its own request step, which
                // is what UseAuthentication runs; the gateway's cookie needs neither.
                mapper.UseWhen(context => context.Request.Headers.Authorization.Count > 0, bearer => bearer.UseAuthentication());
                mapper.Run(context => context.RequestServices.GetRequiredService<MapperEndpoint>().InvokeAsync(context));
            });
}
