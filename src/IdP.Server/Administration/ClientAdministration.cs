using IdP.Server.Data;
using IdP.Server.Mainframe;
using IdP.Server.Mfa;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Server.Administration;

public enum ClientKind
{
    Public,
    Confidential,
}

/// <summary>What an administrator asks for when registering a client.</summary>
public sealed record ClientSpec(
    string ClientId,
    ClientKind Kind,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes,
    bool? RequirePkce = null,
    bool RequireConsent = false,
    string? DisplayName = null,
    JsonWebKeySet? JsonWebKeySet = null,
    string MfaPolicy = ClientMfaPolicy.MultiFactor,
    bool ApiMlGateway = false);

/// <summary>A client as shown by <c>clients list|show</c>: never its secret.</summary>
public sealed record ClientSummary(
    string ClientId,
    string? DisplayName,
    string Type,
    string ConsentType,
    bool RequirePkce,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Scopes,
    string MfaPolicy);

/// <summary>
/// Registers and maintains OAuth clients on top of OpenIddict's application manager (IdP's: see
/// <see cref="Clients.IdpApplicationManager"/>). A secret is generated here (256 random bits), returned once, and
/// stored only as a SHA-256 digest. No command takes a secret from the administrator. Every change is audited, and
/// the audit event says that a secret was made, never what it is.
/// </summary>
public sealed class ClientAdministration(
    IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopeManager, Microsoft.Extensions.Options.IOptions<MfaOptions> mfa,
    AuditLog audit, IdpDbContext db, MappingAdministration mappings)
{
    /// <summary>Scopes every deployment has; API scopes come from <c>scopes add</c>.</summary>
    public static readonly IReadOnlySet<string> BuiltInScopes = new HashSet<string>(StringComparer.Ordinal)
    {
        OpenIddictConstants.Scopes.OpenId, OpenIddictConstants.Scopes.Profile,
        OpenIddictConstants.Scopes.Email, OpenIddictConstants.Scopes.OfflineAccess, Mainframe.MainframeOptions.Scope,
    };

    private static readonly HashSet<string> KnownGrantTypes = new(StringComparer.Ordinal)
    {
        OpenIddictConstants.GrantTypes.AuthorizationCode, OpenIddictConstants.GrantTypes.RefreshToken,
        OpenIddictConstants.GrantTypes.ClientCredentials, OpenIddictConstants.GrantTypes.DeviceCode,
    };

    private static readonly HashSet<string> UnsafeRedirectSchemes = new(StringComparer.OrdinalIgnoreCase) { "javascript", "data", "vbscript", "blob" };

    /// <summary>Creates the client. Returns the generated secret for confidential clients (shown once), else null.</summary>
    public async Task<string?> AddAsync(ClientSpec spec, CancellationToken cancellationToken = default)
    {
        var descriptor = await DescribeAsync(spec, cancellationToken);
        if (await applications.FindByClientIdAsync(spec.ClientId, cancellationToken) is not null)
        {
            throw new AdministrationException($"A client named '{spec.ClientId}' already exists.");
        }

        // A confidential client registered with public keys authenticates with private_key_jwt (RFC 7523 §2.2)
        // and gets no shared secret at all.
        string? secret = null;
        if (spec.Kind == ClientKind.Confidential && spec.JsonWebKeySet is null)
        {
            secret = Clients.ClientSecrets.Generate();
            descriptor.ClientSecret = secret;
        }

        await applications.CreateAsync(descriptor, cancellationToken);
        await audit.WriteAsync(AuditTypes.ClientAdd, AuditLog.Success, null, clientId: spec.ClientId, cancellationToken: cancellationToken,
            reason: $"{descriptor.ClientType}; grants {string.Join(" ", spec.GrantTypes.Distinct())}; scopes {string.Join(" ", spec.Scopes.Distinct())}; " +
                    $"MFA policy {spec.MfaPolicy}; " + (secret is not null ? "secret generated" : spec.JsonWebKeySet is not null ? "private_key_jwt" : "no secret"));
        return secret;
    }

    /// <summary>Replaces a confidential client's secret. The old secret stops working at once.</summary>
    public async Task<string> RotateSecretAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var application = await FindAsync(clientId, cancellationToken);
        if (!await applications.HasClientTypeAsync(application, ClientTypes.Confidential, cancellationToken))
        {
            throw new AdministrationException($"Client '{clientId}' is public and has no secret.");
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await applications.PopulateAsync(descriptor, application, cancellationToken);
        var secret = Clients.ClientSecrets.Generate();
        descriptor.ClientSecret = secret;
        await applications.UpdateAsync(application, descriptor, cancellationToken);
        await audit.WriteAsync(AuditTypes.ClientRotateSecret, AuditLog.Success, null, clientId: clientId, cancellationToken: cancellationToken,
            reason: "new secret generated; the previous one no longer works");
        return secret;
    }

    /// <summary>Deletes the client and its identity mappings together. Returns how many mappings went with it.</summary>
    public async Task<int> DeleteAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var application = await FindAsync(clientId, cancellationToken);

        // One transaction: a client created later under the same id must start unmapped, never inherit the mainframe
        // user ID of the one deleted. OpenIddict's store runs its own deletes inside it (it opens no second one).
        IReadOnlyList<IdentityMapping> removed;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            removed = await mappings.RemoveClientMappingsAsync(clientId, cancellationToken);
            await applications.DeleteAsync(application, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await mappings.AuditRemovedAsync(removed, cancellationToken);
        await audit.WriteAsync(AuditTypes.ClientDelete, AuditLog.Success, null, clientId: clientId, cancellationToken: cancellationToken,
            reason: removed.Count == 0 ? null : $"{removed.Count} identity mapping(s) removed with it");
        return removed.Count;
    }

    public async Task<ClientSummary> GetAsync(string clientId, CancellationToken cancellationToken = default)
        => await SummarizeAsync(await FindAsync(clientId, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<ClientSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ClientSummary>();
        await foreach (var application in applications.ListAsync(count: null, offset: null, cancellationToken))
        {
            result.Add(await SummarizeAsync(application, cancellationToken));
        }

        return [.. result.OrderBy(c => c.ClientId, StringComparer.Ordinal)];
    }

    private async Task<object> FindAsync(string clientId, CancellationToken cancellationToken)
        => await applications.FindByClientIdAsync(clientId, cancellationToken)
           ?? throw new AdministrationException($"No client named '{clientId}'.");

    /// <summary>Validates the request and turns it into OpenIddict permissions and requirements.</summary>
    private async Task<OpenIddictApplicationDescriptor> DescribeAsync(ClientSpec spec, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(spec.ClientId) || spec.ClientId.Length > 100 || spec.ClientId.Any(char.IsWhiteSpace))
        {
            throw new AdministrationException("The client id must be 1-100 characters with no spaces.");
        }

        if (spec.GrantTypes.Count == 0)
        {
            throw new AdministrationException("Name at least one grant type (authorization_code, refresh_token, client_credentials, device_code).");
        }

        foreach (var grant in spec.GrantTypes)
        {
            if (!KnownGrantTypes.Contains(grant))
            {
                throw new AdministrationException($"Unknown grant type '{grant}': use authorization_code, refresh_token, client_credentials or device_code.");
            }
        }

        var isPublic = spec.Kind == ClientKind.Public;
        var usesCode = spec.GrantTypes.Contains(OpenIddictConstants.GrantTypes.AuthorizationCode);

        if (isPublic && spec.GrantTypes.Contains(OpenIddictConstants.GrantTypes.ClientCredentials))
        {
            throw new AdministrationException("A public client cannot use client_credentials: it has no secret to authenticate with.");
        }

        // RFC 9700 §2.1.1: PKCE is mandatory for public clients and on by default for confidential ones.
        var requirePkce = spec.RequirePkce ?? true;
        if (isPublic && !requirePkce)
        {
            throw new AdministrationException("PKCE cannot be turned off for a public client (RFC 9700 §2.1.1).");
        }

        if (usesCode && spec.RedirectUris.Count == 0)
        {
            throw new AdministrationException("The authorization_code grant needs at least one --redirect-uri.");
        }

        if (!usesCode && (spec.RedirectUris.Count > 0 || spec.PostLogoutRedirectUris.Count > 0))
        {
            throw new AdministrationException("Redirect URIs only apply to clients with the authorization_code grant.");
        }

        if (spec.JsonWebKeySet is not null)
        {
            if (isPublic)
            {
                throw new AdministrationException("Only a confidential client can authenticate with private_key_jwt.");
            }

            if (spec.JsonWebKeySet.Keys.Count == 0 || spec.JsonWebKeySet.Keys.Any(k => k.HasPrivateKey))
            {
                throw new AdministrationException("The client's JWKS must hold at least one key, and public keys only.");
            }
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            JsonWebKeySet = spec.JsonWebKeySet,
            ClientId = spec.ClientId,
            DisplayName = spec.DisplayName ?? spec.ClientId,
            ClientType = isPublic ? ClientTypes.Public : ClientTypes.Confidential,
            ConsentType = spec.RequireConsent ? ConsentTypes.Explicit : ConsentTypes.Implicit,
        };

        foreach (var uri in spec.RedirectUris)
        {
            descriptor.RedirectUris.Add(ParseRedirectUri(uri, "--redirect-uri"));
        }

        foreach (var uri in spec.PostLogoutRedirectUris)
        {
            descriptor.PostLogoutRedirectUris.Add(ParseRedirectUri(uri, "--post-logout-redirect-uri"));
        }

        foreach (var grant in spec.GrantTypes.Distinct())
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grant);
        }

        descriptor.Permissions.Add(Permissions.Endpoints.Token);
        descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        if (!isPublic)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        if (usesCode)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
            descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
            descriptor.Permissions.Add(Permissions.ResponseTypes.Code);
        }

        if (spec.GrantTypes.Contains(OpenIddictConstants.GrantTypes.DeviceCode))
        {
            descriptor.Permissions.Add(Permissions.Endpoints.DeviceAuthorization);
        }

        foreach (var scope in spec.Scopes.Distinct(StringComparer.Ordinal))
        {
            if (!BuiltInScopes.Contains(scope) && await scopeManager.FindByNameAsync(scope, cancellationToken) is null)
            {
                throw new AdministrationException($"Unknown scope '{scope}': create it first with 'scopes add {scope} --resource <audience>'.");
            }

            if (scope != OpenIddictConstants.Scopes.OpenId)
            {
                descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
            }
        }

        if (requirePkce && usesCode)
        {
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        if (!ClientMfaPolicy.All.Contains(spec.MfaPolicy))
        {
            throw new AdministrationException($"Unknown MFA policy '{spec.MfaPolicy}': use mfa, phishing_resistant or none.");
        }

        // Tokens for the mainframe gateway replace mainframe MFA, so they always need a second factor.
        if (spec.MfaPolicy == ClientMfaPolicy.None && spec.ApiMlGateway)
        {
            throw new AdministrationException("The MFA policy 'none' is not allowed for the gateway's browser-login client: API ML acts on the mainframe with its access tokens.");
        }

        if (spec.MfaPolicy == ClientMfaPolicy.None)
        {
            var gateway = mfa.Value.EffectiveGatewayAudiences();
            await foreach (var resource in scopeManager.ListResourcesAsync([.. spec.Scopes], cancellationToken))
            {
                if (gateway.Contains(resource, StringComparer.Ordinal))
                {
                    throw new AdministrationException($"The MFA policy 'none' is not allowed for a client whose scopes reach the gateway audience '{resource}'.");
                }
            }
        }

        descriptor.Settings[ClientMfaPolicy.SettingName] = spec.MfaPolicy;
        if (spec.ApiMlGateway)
        {
            descriptor.Settings[ApiMlGatewayClient.SettingName] = "true";
        }

        return descriptor;
    }

    /// <summary>
    /// Redirect URIs are matched exactly (RFC 9700 §4.1.3): absolute, no fragment, no wildcards. Private-use schemes
    /// (RFC 8252 §7.1) are allowed; schemes that run or embed content in the browser are not.
    /// </summary>
    private static Uri ParseRedirectUri(string value, string option)
    {
        // Note: on Unix, Uri.TryCreate reads "/callback" as an absolute file:// URI.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.IsFile || uri.IsUnc || UnsafeRedirectSchemes.Contains(uri.Scheme)
            || !string.IsNullOrEmpty(uri.Fragment) || value.Contains('*', StringComparison.Ordinal))
        {
            throw new AdministrationException($"{option} '{value}' must be an absolute https URI (or http on loopback, or an app's private-use scheme) with no fragment or wildcard.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
        {
            throw new AdministrationException($"{option} '{value}' must use https (plain http is allowed for loopback addresses only).");
        }

        return uri;
    }

    private async Task<ClientSummary> SummarizeAsync(object application, CancellationToken cancellationToken)
    {
        var permissions = await applications.GetPermissionsAsync(application, cancellationToken);
        var requirements = await applications.GetRequirementsAsync(application, cancellationToken);
        return new ClientSummary(
            (await applications.GetClientIdAsync(application, cancellationToken))!,
            await applications.GetDisplayNameAsync(application, cancellationToken),
            (await applications.GetClientTypeAsync(application, cancellationToken))!,
            (await applications.GetConsentTypeAsync(application, cancellationToken))!,
            requirements.Contains(Requirements.Features.ProofKeyForCodeExchange),
            [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.GrantType, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.GrantType.Length..])],
            [.. (await applications.GetRedirectUrisAsync(application, cancellationToken))],
            [.. (await applications.GetPostLogoutRedirectUrisAsync(application, cancellationToken))],
            [.. permissions.Where(p => p.StartsWith(Permissions.Prefixes.Scope, StringComparison.Ordinal)).Select(p => p[Permissions.Prefixes.Scope.Length..])],
            ClientMfaPolicy.Of(await applications.GetSettingsAsync(application, cancellationToken)));
    }
}
