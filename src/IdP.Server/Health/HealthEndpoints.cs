using System.Text.Json;
using IdP.Server.Data;
using IdP.Server.Keys;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IdP.Server.Health;

/// <summary>
/// <c>/health/live</c>: the process answers (no dependency is checked, so a database outage never gets the process
/// restarted). <c>/health/ready</c>: this instance can serve sign-ins: the database answers with the current schema
/// and a signing key is active. Both answer 200 or 503 with a small JSON document and need no authentication.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private const string ReadyTag = "ready";

    /// <summary>A locked or stalled database reports unhealthy within this, rather than after SQLite's busy timeout.</summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddIdpHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout)
            .AddCheck<SigningKeyHealthCheck>("signing-key", HealthStatus.Unhealthy, [ReadyTag], CheckTimeout);
        return services;
    }

    public static IEndpointRouteBuilder MapIdpHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .AllowAnonymous();
        return endpoints;
    }

    /// <summary>
    /// <c>{"status": "Healthy", "checks": {"database": {"status", "description"}}}</c>. Descriptions are fixed
    /// sentences, never exception messages: the endpoint is anonymous and a message could name paths or hosts.
    /// </summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var document = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(document), context.RequestAborted);
    }
}

/// <summary>The database answers a query and has no pending migration (an older binary's schema is not ready).</summary>
internal sealed partial class DatabaseHealthCheck(IServiceScopeFactory scopeFactory, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The context is created here, not injected: a scope per check, as a request would have.
            await using var scope = scopeFactory.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<IdpDbContext>();

            // A real round trip first: for SQLite, EF Core decides whether the history table exists by looking for
            // the file, without opening it, so a missing data folder would read as "no migrations applied".
            await db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken);

            // Reads the migrations history table, so a locked or empty database fails here.
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).Count();
            return pending == 0
                ? HealthCheckResult.Healthy("The database answers and its schema is current.")
                : HealthCheckResult.Unhealthy($"The database has {pending} pending migration(s).");
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, exception);
            return HealthCheckResult.Unhealthy("The database cannot be reached.");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Readiness: the database cannot be reached.")]
    private static partial void LogUnreachable(ILogger logger, Exception exception);
}

/// <summary>The key ring is loaded and one of its keys signs now, so tokens can be issued.</summary>
internal sealed class SigningKeyHealthCheck(SigningKeyRing ring, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        KeyRingSnapshot snapshot;
        try
        {
            snapshot = ring.Current;
        }
        catch (InvalidOperationException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The signing keys are not loaded yet."));
        }

        var now = time.GetUtcNow();
        var inactive = SigningKey.Sets.FirstOrDefault(set => snapshot.SigningAt(now, set) is null);
        return Task.FromResult(inactive is not null
            ? HealthCheckResult.Unhealthy($"No {inactive} signing key is active.")
            : HealthCheckResult.Healthy("A signing key of each set is active."));
    }
}
