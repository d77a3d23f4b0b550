using IdP.Server.Health;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IdP.Server.Observability;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The name traces and metrics are filed under (<c>service.name</c>).</summary>
    public const string ServiceName = "idp";

    /// <summary>Metrics (Prometheus scrape endpoint) and traces (OTLP), each off unless configured.</summary>
    public static IServiceCollection AddIdpObservability(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>()
            .Bind(configuration.GetSection(MetricsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<TracingOptions>()
            .Bind(configuration.GetSection(TracingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Always registered: the audit log, the mapper and the token endpoint record into it whether or not anyone listens.
        services.AddSingleton<IdpMetrics>();
        services.AddOpenIddict().AddServer(options => options.AddEventHandler(TokenIssuanceMetrics.Descriptor));

        // Whether to collect at all is decided once, at start-up: with both off, no OpenTelemetry listener exists and
        // recording a measurement or starting a request costs what it would without this feature.
        var metricsEnabled = configuration.GetValue<bool>($"{MetricsOptions.SectionName}:{nameof(MetricsOptions.Enabled)}");
        var tracingEnabled = configuration.GetValue<bool>($"{TracingOptions.SectionName}:{nameof(TracingOptions.Enabled)}");
        if (!metricsEnabled && !tracingEnabled)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName));
        if (metricsEnabled)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(IdpMetrics.MeterName)
                // http.server.request.duration (a histogram by route, method and status) and Kestrel's connection counts.
                .AddAspNetCoreInstrumentation()
                // The runtime's own meter (.NET 9+): GC, heap, thread pool, CPU time.
                .AddMeter("System.Runtime")
                .AddPrometheusExporter());
        }

        if (tracingEnabled)
        {
            services.AddOptions<OtlpExporterOptions>().Configure<IOptions<TracingOptions>>((exporter, tracing) =>
            {
                exporter.Endpoint = tracing.Value.GetExportUri();
                exporter.Protocol = tracing.Value.OtlpProtocol == TracingOptions.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
            });
            telemetry.WithTracing(tracing => tracing
                // A caller that sampled its trace gets IdP's spans in it; IdP's own traces are sampled by the ratio.
                .SetSampler(provider => new ParentBasedSampler(
                    new TraceIdRatioBasedSampler(provider.GetRequiredService<IOptions<TracingOptions>>().Value.SampleRatio)))
                // Probes and scrapes arrive every few seconds and say nothing a trace would need.
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbeOrScrape(context))
                // Outgoing calls, e.g. fetching the mainframe gateway's JWKS (HttpClient's own activity source).
                .AddSource("System.Net.Http")
                .AddOtlpExporter());
        }

        return services;
    }

    /// <summary>
    /// Maps the scrape endpoint when <c>Metrics:Enabled</c>: only callers in <c>Metrics:AllowedNetworks</c> get the
    /// metrics; anyone else gets the 404 of a path that does not exist.
    /// </summary>
    public static IEndpointRouteBuilder MapIdpMetrics(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return endpoints;
        }

        var allowed = options.EffectiveAllowedNetworks();
        endpoints.MapPrometheusScrapingEndpoint(options.Path, meterProvider: null, configureBranchedPipeline: scrape => scrape.Use((context, next) =>
            {
                // The address after forwarded headers: through a trusted proxy, the client the proxy reports.
                var address = context.Connection.RemoteIpAddress;
                if (address is { IsIPv4MappedToIPv6: true })
                {
                    address = address.MapToIPv4();
                }

                if (address is null || !allowed.Any(network => network.Contains(address)))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            }), optionsName: null)
            // Scrapes would otherwise appear in the request-duration histogram they report.
            .DisableHttpMetrics();
        return endpoints;
    }

    private static bool IsProbeOrScrape(HttpContext context)
        => context.Request.Path == HealthEndpoints.LivePath || context.Request.Path == HealthEndpoints.ReadyPath
           || context.Request.Path.StartsWithSegments(
               context.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Path, StringComparison.OrdinalIgnoreCase);
}
