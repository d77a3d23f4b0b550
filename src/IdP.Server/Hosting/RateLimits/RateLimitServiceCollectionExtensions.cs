using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace IdP.Server.Hosting.RateLimits;

public static class RateLimitServiceCollectionExtensions
{
    /// <summary>Per-IP and per-account limits on the endpoints that guess passwords, codes or client secrets.</summary>
    public static IServiceCollection AddIdpRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitsOptions>()
            .Bind(configuration.GetSection(RateLimitsOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitsOptions>>((limiter, limits) =>
        {
            limiter.GlobalLimiter = RateLimitPartitions.Create(limits.Value);
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, cancellation) => RejectAsync(rejected, limits.Value, cancellation);
        });
        return services;
    }

    /// <summary>Before authentication (OpenIddict answers the token endpoint there) and after forwarded headers (the real IP).</summary>
    public static IApplicationBuilder UseIdpRateLimits(this IApplicationBuilder app)
        // Enabled is read per request, not while composing the pipeline (that would bypass start-up validation's message).
        => app.UseWhen(
            context => context.RequestServices.GetRequiredService<IOptions<RateLimitsOptions>>().Value.Enabled,
            branch =>
            {
                branch.Use(async (context, next) =>
                {
                    await RateLimitPartitions.ResolveAsync(context);
                    await next(context);
                });
                branch.UseRateLimiter();
            });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, RateLimitsOptions limits, CancellationToken cancellation)
    {
        var context = rejected.HttpContext;
        var group = RateLimitPartitions.GroupOf(context);
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : limits.Rule(group).Window;
        context.Response.Headers.RetryAfter = RateLimitPartitions.RetryAfterSeconds(wait);
        context.Response.Headers.CacheControl = "no-store";

        // API ML logs a mapper's 4xx at debug level only and treats it as "not mapped"; a 503 (RFC 9110 §15.6.4,
        // with Retry-After) it logs as an error (ZWEAG169), so an operator sees the gateway being turned away.
        if (group == RateLimitGroup.Mapper)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }

        if (group.IsProtocol())
        {
            // temporarily_unavailable (RFC 6749 §4.1.2.1), not slow_down: slow_down belongs to device-code polling
            // (RFC 8628 §3.5) and tells the client to add 5 s to its interval, which means nothing to other grants.
            context.Response.ContentType = "application/json";
            await JsonSerializer.SerializeAsync(context.Response.Body, new Dictionary<string, string>
            {
                ["error"] = "temporarily_unavailable",
                ["error_description"] = "Too many requests. Retry after the number of seconds in the Retry-After header.",
            }, cancellationToken: cancellation);
            return;
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(
            $"Too many attempts. Please wait {context.Response.Headers.RetryAfter} seconds, then go back and try again.", cancellation);
    }
}
