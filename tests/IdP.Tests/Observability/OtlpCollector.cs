using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace IdP.Tests.Observability;

/// <summary>One OTLP export as the collector received it.</summary>
public sealed record OtlpExport(string ContentType, byte[] Body)
{
    /// <summary>Protobuf carries strings as plain UTF-8 bytes, so a span name or attribute value can be found as is.</summary>
    public bool Mentions(string text) => Body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0;
}

/// <summary>
/// A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP trace exports (<c>POST /v1/traces</c>) over real
/// loopback HTTP and keeps what it received, as IdP's exporter would send it to a real one.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    public const string TracesPath = "/v1/traces";

    private readonly ConcurrentQueue<OtlpExport> _exports = new();
    private WebApplication? _app;

    /// <summary>The collector's base URL, for <c>Tracing:OtlpEndpoint</c>.</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyCollection<OtlpExport> Exports => [.. _exports];

    public static async Task<OtlpCollector> StartAsync()
    {
        var collector = new OtlpCollector();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        collector._app = builder.Build();
        collector._app.MapPost(TracesPath, async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            collector._exports.Enqueue(new OtlpExport(request.ContentType ?? "", body.ToArray()));
            // An empty ExportTraceServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        await collector._app.StartAsync();
        collector.Url = collector._app.Urls.Single().TrimEnd('/');
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
