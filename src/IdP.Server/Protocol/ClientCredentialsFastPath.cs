using System.Buffers.Text;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using IdP.Server.Keys;
using IdP.Server.Observability;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Protocol;

/// <summary>
/// Answers the one shape of client-credentials request that succeeds (RFC 6749 §4.4) without going through
/// OpenIddict's generic request pipeline, whose dispatch costs more than the RS256 signature itself
/// (docs/benchmarks.md). Every other request goes on to OpenIddict untouched, which answers it exactly as before.
/// </summary>
/// <remarks>
/// <para>The fast path never answers with an error. It takes a request only when every check OpenIddict would make
/// passes here too, with the same managers (and so the same caches, secret digests and permissions); a wrong secret,
/// an unknown scope, a parameter it does not expect, or anything unusual falls through, and OpenIddict refuses it
/// with the error the specification asks for. The token it writes has the same header and claims as OpenIddict's
/// (tests/IdP.Tests/Protocol/ClientCredentialsFastPathTests.cs compares the two) and is signed by the same key.</para>
/// <para>Turned off with <c>Tokens:FastClientCredentials=false</c>: every grant then goes through OpenIddict.</para>
/// </remarks>
internal sealed class ClientCredentialsFastPath(
    RequestDelegate next,
    IOptionsMonitor<OpenIddictServerOptions> server,
    IOptionsMonitor<OpenIddictServerAspNetCoreOptions> aspNetCore,
    IOptions<TokenOptions> tokens,
    AccessTokenWriter writer,
    IdpMetrics metrics)
{
    public const string Path = "/connect/token";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!tokens.Value.FastClientCredentials || !await TryAnswerAsync(context))
        {
            await next(context);
        }
    }

    private async Task<bool> TryAnswerAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals(Path, StringComparison.Ordinal) || request.QueryString.HasValue
            // RFC 6749 §3.2: the form encoding, not multipart (which OpenIddict refuses).
            || !MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            // RFC 8705 mutual TLS is OpenIddict's too.
            || context.Connection.ClientCertificate is not null
            // RFC 9449 DPoP, or anything else asking for more than a bearer token, is OpenIddict's to answer.
            || request.Headers.ContainsKey("DPoP")
            || (!request.IsHttps && !aspNetCore.CurrentValue.DisableTransportSecurityRequirement)
            || !TryReadBasicCredentials(request.Headers.Authorization, out var clientId, out var secret))
        {
            return false;
        }

        var form = await request.ReadFormAsync(context.RequestAborted);
        if (!TryReadGrant(form, out var scopes))
        {
            return false;
        }

        var services = context.RequestServices;
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        var options = server.CurrentValue;

        // The checks OpenIddict's token endpoint makes for this grant: client type (RFC 6749 §4.4: a confidential
        // client), secret (§2.3.1, constant time in IdpApplicationManager), endpoint and grant-type permissions, scopes
        // that exist, and a permission for each scope. Any failure is left for OpenIddict to answer, so the order in
        // which they are made here changes no answer.
        var application = await applications.FindByClientIdAsync(clientId, context.RequestAborted);
        if (application is null
            || !await applications.HasClientTypeAsync(application, ClientTypes.Confidential, context.RequestAborted)
            || !await applications.ValidateClientSecretAsync(application, secret, context.RequestAborted)
            // A per-client access token lifetime is OpenIddict's to apply.
            || (await applications.GetSettingsAsync(application, context.RequestAborted)).ContainsKey(Settings.TokenLifetimes.AccessToken))
        {
            return false;
        }

        // What HasPermissionAsync checks, read once.
        var permissions = await applications.GetPermissionsAsync(application, context.RequestAborted);
        if (!permissions.Contains(Permissions.Endpoints.Token, StringComparer.Ordinal)
            || !permissions.Contains(Permissions.GrantTypes.ClientCredentials, StringComparer.Ordinal))
        {
            return false;
        }

        var scopeManager = services.GetRequiredService<IOpenIddictScopeManager>();
        foreach (var scope in scopes)
        {
            if (!permissions.Contains(Permissions.Prefixes.Scope + scope, StringComparer.Ordinal)
                || (!options.Scopes.Contains(scope) && await scopeManager.FindByNameAsync(scope, context.RequestAborted) is null))
            {
                return false;
            }
        }

        // The same principal the passthrough token endpoint builds (TokenEndpoint), so the same claims.
        var principal = await services.GetRequiredService<UserPrincipalFactory>().CreateForClientAsync(
            clientId, await applications.GetDisplayNameAsync(application, context.RequestAborted), scopes, context.RequestAborted);
        if (!writer.TryWrite(principal, clientId, out var token, out var lifetime))
        {
            return false;
        }

        await WriteResponseAsync(context.Response, token, lifetime);
        metrics.TokenIssued(GrantTypes.ClientCredentials);
        return true;
    }

    /// <summary>
    /// RFC 6749 §2.3.1 client_secret_basic. Identifiers or secrets that would need form-decoding fall through: IdP's
    /// generated secrets never do, and OpenIddict decodes the rest.
    /// </summary>
    private static bool TryReadBasicCredentials(StringValues header, out string clientId, out string secret)
    {
        clientId = secret = "";
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Basic ", StringComparison.Ordinal))
        {
            return false;
        }

        var encoded = value.AsSpan(6).Trim();
        Span<byte> decoded = stackalloc byte[256];
        if (encoded.Length > Base64.GetMaxEncodedToUtf8Length(decoded.Length)
            || !Convert.TryFromBase64Chars(encoded, decoded, out var written))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(decoded[..written]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1 || text.AsSpan().IndexOfAny('%', '+') >= 0)
        {
            return false;
        }

        clientId = text[..colon];
        secret = text[(colon + 1)..];
        return true;
    }

    /// <summary>
    /// <c>grant_type=client_credentials</c> and at most a <c>scope</c>, each once, nothing else. <c>openid</c> and
    /// <c>offline_access</c>, which mean nothing without a user, and repeated or empty scope values are OpenIddict's.
    /// </summary>
    private static bool TryReadGrant(IFormCollection form, out ImmutableArray<string> scopes)
    {
        scopes = [];
        if (form.Count is < 1 or > 2
            || !form.TryGetValue(Parameters.GrantType, out var grantType) || grantType.Count != 1
            || !string.Equals(grantType[0], GrantTypes.ClientCredentials, StringComparison.Ordinal))
        {
            return false;
        }

        if (form.Count == 2)
        {
            if (!form.TryGetValue(Parameters.Scope, out var scope) || scope.Count != 1 || scope[0] is not { Length: > 0 } value)
            {
                return false;
            }

            var values = value.Split(' ');
            if (values.Any(v => v.Length == 0 || v is Scopes.OpenId or Scopes.OfflineAccess) || values.Distinct(StringComparer.Ordinal).Count() != values.Length)
            {
                return false;
            }

            scopes = [.. values];
        }

        return true;
    }

    /// <summary>RFC 6749 §5.1: the token, its type and lifetime, never cached. The scope is what was asked for, so it is omitted.</summary>
    private static async Task WriteResponseAsync(HttpResponse response, string token, TimeSpan lifetime)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json;charset=UTF-8";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
        response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";

        await using (var json = new Utf8JsonWriter(response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString(Parameters.AccessToken, token);
            json.WriteString(Parameters.TokenType, TokenTypes.Bearer);
            json.WriteNumber(Parameters.ExpiresIn, (long)lifetime.TotalSeconds);
            json.WriteEndObject();
        }

        await response.BodyWriter.FlushAsync();
    }
}

public static class ClientCredentialsFastPathExtensions
{
    /// <summary>After the rate limits (which still count every grant), before OpenIddict sees the request.</summary>
    /// <remarks>
    /// <c>Tokens:FastClientCredentials</c> is read per request, not here: the pipeline is built before the settings
    /// are validated at start, and an invalid <c>Tokens</c> section must stop the server with its message, not a crash.
    /// </remarks>
    public static IApplicationBuilder UseIdpClientCredentialsFastPath(this IApplicationBuilder app)
        => app.UseMiddleware<ClientCredentialsFastPath>();
}
