using System.Diagnostics.CodeAnalysis;

namespace IdP.Server.Mfa.Passkeys;

/// <summary>
/// The relying party as WebAuthn sees it: the RP ID passkeys are scoped to, and the origins whose pages may run a
/// ceremony. Both default to <c>Server:Issuer</c>, so a plain deployment needs no passkey settings.
/// </summary>
public sealed class PasskeyRelyingParty
{
    private readonly HashSet<string> _origins;

    private PasskeyRelyingParty(string serverDomain, IReadOnlyList<string> origins)
    {
        ServerDomain = serverDomain;
        AllowedOrigins = origins;
        _origins = new HashSet<string>(origins, StringComparer.Ordinal);
    }

    /// <summary>The RP ID: authenticator data carries its SHA-256 hash.</summary>
    public string ServerDomain { get; }

    /// <summary>Serialized origins (<c>https://host[:port]</c>, lower case, no default port).</summary>
    public IReadOnlyList<string> AllowedOrigins { get; }

    /// <summary>Resolves the settings against the issuer; throws if they are inconsistent (start-up validation reports the same).</summary>
    public static PasskeyRelyingParty Resolve(PasskeyOptions options, Uri issuer)
    {
        var errors = new List<string>();
        return TryResolve(options, issuer, errors) ?? throw new InvalidOperationException(string.Join(" ", errors));
    }

    internal static PasskeyRelyingParty? TryResolve(PasskeyOptions options, Uri issuer, List<string> errors)
    {
        var serverDomain = string.IsNullOrEmpty(options.ServerDomain) ? issuer.IdnHost : options.ServerDomain.ToLowerInvariant();
        if (!IsHostName(serverDomain))
        {
            errors.Add($"Mfa:Passkeys:ServerDomain '{options.ServerDomain}' must be a bare host name such as idp.example.com (no scheme, port or path).");
            return null;
        }

        var configured = options.AllowedOrigins.Count > 0;
        var candidates = configured ? options.AllowedOrigins : [issuer.GetLeftPart(UriPartial.Authority)];

        var origins = new List<string>();
        foreach (var candidate in candidates)
        {
            if (!TryParseOrigin(candidate, out var origin, out var problem))
            {
                errors.Add(configured
                    ? $"Mfa:Passkeys:AllowedOrigins: {problem}"
                    : $"The passkey origin taken from Server:Issuer {problem} Set Mfa:Passkeys:AllowedOrigins.");
                continue;
            }

            // WebAuthn §5.1.4.1 (RP ID): the RP ID must be the origin's host or a registrable suffix of it,
            // otherwise browsers refuse every ceremony.
            var host = new Uri(origin).IdnHost;
            if (host != serverDomain && !host.EndsWith("." + serverDomain, StringComparison.Ordinal))
            {
                errors.Add($"Mfa:Passkeys:ServerDomain '{serverDomain}' must be the host of the origin '{origin}' or a parent domain of it.");
                continue;
            }

            origins.Add(origin);
        }

        return errors.Count == 0 ? new PasskeyRelyingParty(serverDomain, origins) : null;
    }

    /// <summary>Whether a client-reported origin (<c>CollectedClientData.origin</c>) is one of ours. Exact match after normalisation.</summary>
    public bool IsAllowedOrigin(string? origin)
        => origin is not null && TryNormalize(origin, out var normalized) && _origins.Contains(normalized);

    private static bool IsHostName(string value)
        => Uri.CheckHostName(value) == UriHostNameType.Dns && !value.Contains(':', StringComparison.Ordinal);

    /// <summary>An origin fit for WebAuthn: https, or http on localhost (a browser "secure context"), and nothing after the port.</summary>
    private static bool TryParseOrigin(string value, [NotNullWhen(true)] out string? origin, [NotNullWhen(false)] out string? problem)
    {
        origin = null;
        if (!TryNormalize(value, out var normalized))
        {
            problem = $"'{value}' must be an origin such as https://idp.example.com (scheme, host and optional port only).";
            return false;
        }

        var uri = new Uri(normalized);
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            problem = $"'{value}' must use https: browsers run passkey ceremonies only in secure contexts (http is allowed for localhost).";
            return false;
        }

        origin = normalized;
        problem = null;
        return true;
    }

    private static bool TryNormalize(string value, [NotNullWhen(true)] out string? normalized)
    {
        normalized = null;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return false;
        }

        normalized = uri.GetLeftPart(UriPartial.Authority);
        return true;
    }
}
