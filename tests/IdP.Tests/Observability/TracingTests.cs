using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace IdP.Tests.Observability;

/// <summary>
/// Runs alone: IdP's tracer listens to <c>System.Net.Http</c> activities process-wide, so another test's HTTP client
/// polling a server's <c>/health/live</c> at the same time would put a span for it into this test's export.
/// </summary>
[CollectionDefinition(nameof(TracingCollection), DisableParallelization = true)]
public sealed class TracingCollection;

/// <summary>Traces: off unless configured; then every request but probes and scrapes is a span sent to the collector.</summary>
[Collection(nameof(TracingCollection))]
public sealed class TracingTests
{
    [Fact]
    public async Task with_tracing_on_requests_reach_the_otlp_collector_as_spans_and_health_probes_do_not()
    {
        // Arrange: a collector on loopback, and IdP exporting to it over OTLP/HTTP.
        await using var collector = await OtlpCollector.StartAsync();
        using var idp = IdpFactory.On(IdpFactory.NewDataDirectory(), new Dictionary<string, string?>
        {
            ["Tracing:Enabled"] = "true",
            ["Tracing:OtlpEndpoint"] = collector.Url,
            ["Tracing:OtlpProtocol"] = "http/protobuf",
        });
        using var client = idp.CreateClient();

        // Act: a page and a probe, then the batch is flushed (as it would be within seconds, or at shutdown).
        (await client.GetAsync(new Uri("/account/login?returnUrl=%2Fprivate-marker", UriKind.Relative))).EnsureSuccessStatusCode();
        (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).EnsureSuccessStatusCode();
        // Note: the server ends a request's span after the response reached the client, so the first flush may find
        // nothing to send yet; flush until the login span has arrived (or 10 s passed).
        var tracer = idp.Services.GetRequiredService<TracerProvider>();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            Assert.True(tracer.ForceFlush(10_000), "The exporter did not flush.");
            if (collector.Exports.Any(export => export.Mentions("/account/login")))
            {
                break;
            }
        }

        // Assert
        var exports = collector.Exports;
        Assert.NotEmpty(exports);
        Assert.All(exports, export => Assert.Equal("application/x-protobuf", export.ContentType));
        Assert.Contains(exports, export => export.Mentions("GET account/login") && export.Mentions("/account/login"));
        Assert.Contains(exports, export => export.Mentions("idp")); // service.name
        Assert.DoesNotContain(exports, export => export.Mentions("/health/live"));
        Assert.DoesNotContain(exports, export => export.Mentions("private-marker")); // query values are redacted
    }

    [Fact]
    public void tracing_and_metrics_are_off_by_default_so_no_telemetry_provider_exists()
    {
        using var idp = new IdpFactory();

        var services = idp.Services;

        Assert.Null(services.GetService<TracerProvider>());
        Assert.Null(services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }
}
