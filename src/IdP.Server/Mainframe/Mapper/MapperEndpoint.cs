using System.Net.Mime;
using System.Text.Json;
using System.Text.Unicode;
using IdP.Server.Observability;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace IdP.Server.Mainframe.Mapper;

/// <summary>
/// <c>POST /zss/api/v1/certificate/dn</c> with <c>{"dn":"…","registry":"…"}</c>: what API ML's external identity
/// mapper calls (its default <c>identityMapperUrl</c> path) to turn a token's distributed identity into a user ID.
/// It answers in its own pipeline branch (<see cref="MapperServiceCollectionExtensions.UseIdpMapper"/>), not as a
/// routed endpoint.
/// </summary>
internal sealed partial class MapperEndpoint(
    MapperCallerAuthenticator callers, MappingLookup lookup, IOptions<MapperOptions> options, IdpMetrics metrics, ILogger<MapperEndpoint> logger)
{
    public const string Path = "/zss/api/v1/certificate/dn";

    /// <summary>Two short strings fit many times over; anything bigger is not a mapping request.</summary>
    public const int MaxBodyBytes = 4096;

    public async Task InvokeAsync(HttpContext context)
    {
        // Whether it answers is read per request, not while the pipeline is built: a bad Mainframe:Mapper setting
        // must give ValidateOnStart's clean message, not a stack trace from composing the pipeline.
        if (!options.Value.Enabled)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = HttpMethods.Post;
            return;
        }

        // http.server.request.duration takes its route from the endpoint, and the mapper has none.
        context.Features.Get<IHttpMetricsTagsFeature>()?.Tags.Add(new("http.route", Path));

        var (status, body) = await HandleAsync(context);
        // A user ID is an answer about one person, for one caller: no cache keeps it (RFC 9111 §5.2.2.5).
        context.Response.Headers.CacheControl = "no-store";
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(body, ZssJsonContext.Default.ZssMappingResult, MediaTypeNames.Application.Json, context.RequestAborted);
    }

    private async Task<(int Status, ZssMappingResult Body)> HandleAsync(HttpContext context)
    {
        // Authenticate before reading the body: an unknown caller learns nothing, not even whether its input parses.
        var caller = await callers.AuthenticateAsync(context);
        if (caller is null)
        {
            metrics.MapperLookup(IdpMetrics.MapperOutcomes.Unauthorized);
            return (StatusCodes.Status401Unauthorized, ZssMappingResult.Failed(ZssMappingResult.NotAuthorized));
        }

        var (input, problem) = await ReadAsync(context);
        if (input is null)
        {
            LogBadRequest(logger, caller.Kind, caller.Name, problem);
            metrics.MapperLookup(IdpMetrics.MapperOutcomes.BadRequest);
            return problem == "body too large"
                ? (StatusCodes.Status413PayloadTooLarge, ZssMappingResult.Failed(ZssMappingResult.BadParameter))
                : (StatusCodes.Status400BadRequest, ZssMappingResult.Failed(ZssMappingResult.BadParameter));
        }

        var (dn, registry) = input.Value;
        if (string.IsNullOrWhiteSpace(dn) || string.IsNullOrWhiteSpace(registry))
        {
            LogBlank(logger, caller.Kind, caller.Name);
            metrics.MapperLookup(IdpMetrics.MapperOutcomes.BadRequest);
            return (StatusCodes.Status401Unauthorized, ZssMappingResult.Failed(ZssMappingResult.BadParameter));
        }

        // API ML refuses these itself (246 bytes for the distributed id, 255 for the registry); a caller that sends
        // more, or a non-printing character no mapping can hold, is broken, not unlucky: a 400 rather than "not mapped".
        if (!MainframeNames.IsValidDistributedId(dn) || !MainframeNames.IsValidRegistry(registry))
        {
            LogBadRequest(logger, caller.Kind, caller.Name, "dn or registry too long or has non-printing characters");
            metrics.MapperLookup(IdpMetrics.MapperOutcomes.BadRequest);
            return (StatusCodes.Status400BadRequest, ZssMappingResult.Failed(ZssMappingResult.BadParameter));
        }

        var (userId, cached) = await lookup.FindAsync(context.RequestServices, dn, registry, context.RequestAborted);
        if (userId is null)
        {
            LogNotMapped(logger, caller.Kind, caller.Name, dn, registry, cached);
            metrics.MapperLookup(IdpMetrics.MapperOutcomes.NotMapped);
            return (StatusCodes.Status401Unauthorized, ZssMappingResult.Failed(ZssMappingResult.NoMapping));
        }

        LogMapped(logger, caller.Kind, caller.Name, dn, registry, userId, cached);
        metrics.MapperLookup(IdpMetrics.MapperOutcomes.Mapped);
        return (StatusCodes.Status200OK, ZssMappingResult.Mapped(userId));
    }

    /// <summary>The request's dn and registry (null when absent), or why the body is not a mapping request.</summary>
    private static async Task<((string? Dn, string? Registry)? Input, string Problem)> ReadAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals(MediaTypeNames.Application.Json, StringComparison.OrdinalIgnoreCase)
            || (contentType.Charset.HasValue && !contentType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, "content type is not application/json");
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, "body too large");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        // Read at most one byte past the limit, so a chunked body cannot make us buffer more.
        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        try
        {
            int read;
            while (length < buffer.Length && (read = await context.Request.Body.ReadAsync(buffer.AsMemory(length), context.RequestAborted)) > 0)
            {
                length += read;
            }
        }
        catch (BadHttpRequestException)
        {
            return (null, "body too large");
        }

        if (length > MaxBodyBytes)
        {
            return (null, "body too large");
        }

        // RFC 8259 §8.1: JSON is UTF-8. API ML encodes its body as ISO-8859-1, the same bytes for ASCII; anything else
        // it sends is not UTF-8, and is refused here rather than half-read.
        if (!Utf8.IsValid(buffer.AsSpan(0, length)))
        {
            return (null, "body is not valid UTF-8");
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "body is not a JSON object");
            }

            if (!TryGetString(document.RootElement, "dn", out var dn) || !TryGetString(document.RootElement, "registry", out var registry))
            {
                return (null, "dn and registry must be strings");
            }

            return ((dn, registry), "");
        }
        catch (JsonException)
        {
            return (null, "body is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return (null, "a string is not valid Unicode (a lone surrogate escape)"); // JsonElement.GetString on "\ud800"
        }
    }

    private static bool TryGetString(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
        {
            return true; // absent counts as blank: reason 44, as ZSS answers
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = property.GetString();
        return true;
    }

    // Debug: the gateway asks on every mapped request, and a log line each time would cost more than the lookup
    // (docs/benchmarks.md). Successful lookups are counted in the idp.mapper.lookups metric; refusals and misses
    // are logged.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Identity mapper ({CallerKind} {Caller}): {Dn} in {Registry} maps to {UserId} (cached: {Cached})")]
    private static partial void LogMapped(ILogger logger, string callerKind, string caller, string dn, string registry, string userId, bool cached);

    [LoggerMessage(Level = LogLevel.Information, Message = "Identity mapper ({CallerKind} {Caller}): {Dn} in {Registry} is not mapped (cached: {Cached})")]
    private static partial void LogNotMapped(ILogger logger, string callerKind, string caller, string dn, string registry, bool cached);

    [LoggerMessage(Level = LogLevel.Information, Message = "Identity mapper ({CallerKind} {Caller}): blank dn or registry")]
    private static partial void LogBlank(ILogger logger, string callerKind, string caller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identity mapper ({CallerKind} {Caller}): bad request: {Problem}")]
    private static partial void LogBadRequest(ILogger logger, string callerKind, string caller, string problem);
}
