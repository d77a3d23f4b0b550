using System.CommandLine;
using IdP.Server.Mfa;

namespace IdP.Server.Administration;

/// <summary>The arguments of <c>clients add</c>, and how they become a <see cref="ClientSpec"/>.</summary>
internal sealed class ClientAddOptions
{
    private static readonly char[] ScopeSeparators = [' ', '\t'];

    private readonly Argument<string> _clientId = new("client-id") { Description = "The client_id." };
    private readonly Option<bool> _public = new("--public") { Description = "A client that cannot keep a secret (SPA, mobile, CLI); PKCE is mandatory." };
    private readonly Option<bool> _confidential = new("--confidential") { Description = "A client with a secret (the default)." };

    private readonly Option<string[]> _grants = new("--grant")
    {
        Description = "authorization_code|code, refresh_token|refresh, client_credentials|client-credentials, device_code|device. Repeatable.",
        HelpName = "type",
    };

    private readonly Option<string[]> _redirectUris = new("--redirect-uri") { Description = "An exact redirect URI: https, http on loopback, or an app's private-use scheme. Repeatable.", HelpName = "uri" };
    private readonly Option<string[]> _postLogoutRedirectUris = new("--post-logout-redirect-uri") { Description = "An exact URI to return to after sign-out. Repeatable.", HelpName = "uri" };

    private readonly Option<string[]> _scopes = new("--scope")
    {
        Description = "Scopes the client may request: built-in (openid profile email offline_access) or from 'scopes add'. Repeatable; several values may follow one flag.",
        HelpName = "scope",
        AllowMultipleArgumentsPerToken = true,
    };

    // A string rather than a bool: "--require-pkce maybe" then gets a clear message, and absence means "default".
    private readonly Option<string?> _requirePkce = new("--require-pkce")
    {
        Description = "Require PKCE for the authorization code grant (default true; cannot be false for a public client).",
        HelpName = "true|false",
    };

    private readonly Option<bool> _consent = new("--consent") { Description = "Ask users for consent before issuing tokens to this client." };
    private readonly Option<string?> _displayName = new("--display-name") { Description = "The name users see on the consent page.", HelpName = "name" };

    private readonly Option<FileInfo?> _jwksFile = new("--jwks-file")
    {
        Description = "A JSON Web Key Set of the client's public keys: the client authenticates with private_key_jwt and gets no secret.",
        HelpName = "path",
    };

    private readonly Option<string> _mfaPolicy = new("--mfa-policy")
    {
        Description = "What users must prove to sign in to this client: mfa (a second factor), phishing_resistant (a passkey) or none (the password; refused for gateway audiences).",
        HelpName = "mfa|phishing_resistant|none",
        DefaultValueFactory = _ => ClientMfaPolicy.MultiFactor,
    };

    private readonly Option<string?> _apimlGateway = new("--apiml-gateway")
    {
        Description = "Register the Zowe API ML gateway's browser login: confidential, client_secret_basic, no PKCE (API ML sends none), " +
                      "scopes openid profile email, redirect https://<gateway>/gateway/login/oauth2/code/<client-id>.",
        HelpName = "https://host:port",
    };

    public ClientAddOptions()
    {
        _requirePkce.AcceptOnlyFromAmong("true", "false");
        _mfaPolicy.AcceptOnlyFromAmong(ClientMfaPolicy.MultiFactor, ClientMfaPolicy.PhishingResistant, ClientMfaPolicy.None);
    }

    public void AddTo(Command command)
    {
        command.Add(_clientId);
        foreach (var option in new Option[] { _public, _confidential, _grants, _redirectUris, _postLogoutRedirectUris, _scopes, _requirePkce, _consent, _displayName, _jwksFile, _apimlGateway, _mfaPolicy })
        {
            command.Add(option);
        }
    }

    public ClientSpec ToSpec(ParseResult result)
    {
        if (result.GetValue(_apimlGateway) is { } gateway)
        {
            return ApiMlGatewaySpec(result, gateway);
        }

        if (result.GetValue(_public) && result.GetValue(_confidential))
        {
            throw new AdministrationException("Pass either --public or --confidential, not both.");
        }

        var kind = result.GetValue(_public) ? ClientKind.Public : ClientKind.Confidential;
        var redirectUris = result.GetValue(_redirectUris) ?? [];

        // "--scope openid profile" and "--scope 'openid profile'" both mean two scopes.
        var scopes = (result.GetValue(_scopes) ?? [])
            .SelectMany(s => s.Split(ScopeSeparators, StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        return new ClientSpec(
            result.GetRequiredValue(_clientId),
            kind,
            ClientGrants.Resolve(result.GetValue(_grants) ?? [], kind, redirectUris.Length > 0, scopes),
            redirectUris,
            result.GetValue(_postLogoutRedirectUris) ?? [],
            scopes,
            result.GetValue(_requirePkce) is { } requirePkce ? requirePkce == "true" : null,
            result.GetValue(_consent),
            result.GetValue(_displayName),
            ReadJsonWebKeySet(result.GetValue(_jwksFile)),
            result.GetRequiredValue(_mfaPolicy));
    }

    /// <summary>
    /// The client profile API ML uses for browser login (Spring Security's OAuth2 client): it authenticates with
    /// client_secret_basic, asks for openid profile email, sends no PKCE, and receives the code at
    /// /gateway/login/oauth2/code/{registration id}. PKCE stays mandatory for every public client.
    /// </summary>
    private ClientSpec ApiMlGatewaySpec(ParseResult result, string gateway)
    {
        if (result.GetValue(_public) || result.GetValue(_grants) is { Length: > 0 } || result.GetValue(_redirectUris) is { Length: > 0 }
            || result.GetValue(_requirePkce) is not null || result.GetValue(_scopes) is { Length: > 0 } || result.GetValue(_jwksFile) is not null)
        {
            throw new AdministrationException("--apiml-gateway sets the client type, grants, redirect URI, scopes and PKCE itself; pass only the client id, --display-name, --consent or --mfa-policy with it.");
        }

        if (!Uri.TryCreate(gateway, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query))
        {
            throw new AdministrationException($"--apiml-gateway '{gateway}' must be the gateway's https origin, e.g. https://zowe.example.com:7554.");
        }

        // API ML finds a registration by its id in environment-variable names, matched with [^_]+.
        var clientId = result.GetRequiredValue(_clientId);
        if (clientId.Contains('_', StringComparison.Ordinal))
        {
            throw new AdministrationException($"--apiml-gateway: the client id '{clientId}' is the gateway's registration id, which cannot contain '_' (API ML reads it from environment-variable names); use e.g. '{clientId.Replace('_', '-')}'.");
        }

        return new ClientSpec(
            clientId,
            ClientKind.Confidential,
            [OpenIddict.Abstractions.OpenIddictConstants.GrantTypes.AuthorizationCode],
            [$"{uri.GetLeftPart(UriPartial.Authority)}/gateway/login/oauth2/code/{Uri.EscapeDataString(clientId)}"],
            [],
            ["openid", "profile", "email"],
            RequirePkce: false,
            RequireConsent: result.GetValue(_consent),
            DisplayName: result.GetValue(_displayName) ?? "Zowe API ML gateway",
            MfaPolicy: result.GetValue(_mfaPolicy) ?? Mfa.ClientMfaPolicy.MultiFactor,
            ApiMlGateway: true);
    }

    private static Microsoft.IdentityModel.Tokens.JsonWebKeySet? ReadJsonWebKeySet(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new AdministrationException($"--jwks-file '{file.FullName}' does not exist.");
        }

        try
        {
            return new Microsoft.IdentityModel.Tokens.JsonWebKeySet(File.ReadAllText(file.FullName));
        }
        catch (ArgumentException exception)
        {
            throw new AdministrationException($"--jwks-file '{file.FullName}' is not a JSON Web Key Set: {exception.Message.Split('\n')[0]}");
        }
    }
}
