using IdP.Server.Health;
using IdP.Server.Hosting;
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
            .ValidateSettings()
            .ValidateOnStart();
        services.AddOptions<TracingOptions>()
            .Bind(configuration.GetSection(TracingOptions.SectionName))
            .ValidateSettings()
            .ValidateOnStart();

        // Always registered: the audit log, the mapper and the token endpoint record into it whether or not anyone listens.
        services.AddSingleton<IdpMetrics>();
        services.AddOpenIddict().AddServer(options => options.AddEventHandler(TokenIssuanceMetrics.Descriptor));

        // Whether to collect at all is decided once, at start-up: with both off, no OpenTelemetry listener exists and
        // recording a measurement or starting a request costs what it would without this feature.
        // A value that is not a boolean counts as off here; binding the options then stops start-up with its name.
        var metricsEnabled = bool.TryParse(configuration[$"{MetricsOptions.SectionName}:{nameof(MetricsOptions.Enabled)}"], out var metricsOn) && metricsOn;
        var tracingEnabled = bool.TryParse(configuration[$"{TracingOptions.SectionName}:{nameof(TracingOptions.Enabled)}"], out var tracingOn) && tracingOn;
        if (metricsEnabled || tracingEnabled)
        {
            AddOpenTelemetry(services, metricsEnabled, tracingEnabled);
        }

        return services;
    }

    /// <summary>
    /// Apart from <see cref="AddIdpObservability"/> so that a server with both off never loads OpenTelemetry's
    /// assemblies: the runtime loads them for the method that names their types.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddOpenTelemetry(IServiceCollection services, bool metricsEnabled, bool tracingEnabled)
    {
        var telemetry = services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(ServiceName));
        if (metricsEnabled)
        {
            // Its presence also tells the pipeline to answer scrapes (UseIdpMetrics).
            services.AddSingleton<MetricsAccess>();
            // Meters are matched by name process-wide, but a process may hold several IdP hosts (the tests do): each
            // exports only what its own services created through its IMeterFactory, plus process-wide meters (the
            // runtime's), which have no scope.
            services.ConfigureOpenTelemetryMeterProvider((provider, builder) =>
            {
                var own = provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
                builder.AddView(instrument => instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, own)
                    ? null
                    : MetricStreamConfiguration.Drop);
            });
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
    }

    /// <summary>
    /// Answers scrapes at <c>Metrics:Path</c> when metrics were turned on at start-up: only callers in
    /// <c>Metrics:AllowedNetworks</c> get the metrics; anyone else gets the 404 of a path that does not exist.
    /// </summary>
    /// <remarks>
    /// Middleware rather than an endpoint, so the path and the networks are read per request (after start-up validation
    /// has reported a bad setting by name), not while the pipeline is composed. After forwarded headers: through a
    /// trusted proxy, the caller is the client the proxy reports.
    /// </remarks>
    public static IApplicationBuilder UseIdpMetrics(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetService<IServiceProviderIsService>()?.IsService(typeof(MetricsAccess)) != true)
        {
            return app;
        }

        return app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: context => context.RequestServices.GetRequiredService<MetricsAccess>().IsScrapePath(context.Request.Path),
            path: null,
            configureBranchedPipeline: scrape => scrape.Use((context, next) =>
            {
                // Scrapes would otherwise appear in the request-duration histogram they report.
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMetricsTagsFeature>() is { } tags)
                {
                    tags.MetricsDisabled = true;
                }

                if (!context.RequestServices.GetRequiredService<MetricsAccess>().IsAllowed(context.Connection.RemoteIpAddress))
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            }),
            optionsName: null);
    }

    private static bool IsProbeOrScrape(HttpContext context)
        => context.Request.Path == HealthEndpoints.LivePath || context.Request.Path == HealthEndpoints.ReadyPath
           || context.RequestServices.GetService<MetricsAccess>()?.IsScrapePath(context.Request.Path) == true;
}
