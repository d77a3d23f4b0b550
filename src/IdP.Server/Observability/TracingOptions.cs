using System.ComponentModel.DataAnnotations;

namespace IdP.Server.Observability;

/// <summary>
/// Distributed traces (one span per HTTP request, and per outgoing call such as the gateway's JWKS), exported with
/// OTLP to a collector. Bound from the <c>Tracing</c> configuration section. Off by default.
/// </summary>
public sealed class TracingOptions : IValidatableObject
{
    public const string SectionName = "Tracing";

    public const string Grpc = "grpc";
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>Record spans and send them to <see cref="OtlpEndpoint"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The collector: e.g. <c>http://otel-collector:4317</c> for gRPC, or <c>http://otel-collector:4318</c> for
    /// http/protobuf (<c>/v1/traces</c> is added when the URL has no path).
    /// </summary>
    public string OtlpEndpoint { get; set; } = "http://localhost:4317";

    /// <summary><c>grpc</c> or <c>http/protobuf</c>, as the OpenTelemetry specification names them.</summary>
    public string OtlpProtocol { get; set; } = Grpc;

    /// <summary>The share of traces started here that are recorded (0 to 1). A caller's sampling decision is followed.</summary>
    [Range(0.0, 1.0, ErrorMessage = "Tracing:SampleRatio must be between 0 and 1.")]
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>The exporter's endpoint: OTLP over HTTP posts to the signal's own path, which a bare collector URL lacks.</summary>
    public Uri GetExportUri()
    {
        var uri = new Uri(OtlpEndpoint, UriKind.Absolute);
        return OtlpProtocol == HttpProtobuf && uri.AbsolutePath == "/" ? new Uri(uri, "/v1/traces") : uri;
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Tracing:OtlpEndpoint must be an absolute http(s) URL, e.g. http://otel-collector:4317.", [nameof(OtlpEndpoint)]);
        }

        if (OtlpProtocol is not (Grpc or HttpProtobuf))
        {
            yield return new ValidationResult($"Tracing:OtlpProtocol must be '{Grpc}' or '{HttpProtobuf}'.", [nameof(OtlpProtocol)]);
        }
    }
}
