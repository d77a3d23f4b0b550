using IdP.Server.Mfa;
using OpenIddict.Abstractions;

namespace IdP.Server.Administration;

/// <summary>An API scope and the resources (access token audiences) it grants access to.</summary>
public sealed record ScopeSummary(string Name, string? DisplayName, IReadOnlyList<string> Resources);

/// <summary>API scopes, mapped to resource (audience) names that appear in access tokens' <c>aud</c>.</summary>
public sealed class ScopeAdministration(IOpenIddictScopeManager scopes, AuditLog audit)
{
    public async Task<ScopeSummary> AddAsync(string name, IReadOnlyList<string> resources, string? displayName, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || c == '"' || c == '\\'))
        {
            throw new AdministrationException("A scope name must be non-empty with no spaces, quotes or backslashes (RFC 6749 §3.3).");
        }

        if (ClientAdministration.BuiltInScopes.Contains(name))
        {
            throw new AdministrationException($"'{name}' is a built-in OpenID Connect scope.");
        }

        if (resources.Count == 0 || resources.Any(string.IsNullOrWhiteSpace))
        {
            throw new AdministrationException("Name at least one --resource: the audience access tokens with this scope are for.");
        }

        if (await scopes.FindByNameAsync(name, cancellationToken) is not null)
        {
            throw new AdministrationException($"A scope named '{name}' already exists.");
        }

        var descriptor = new OpenIddictScopeDescriptor { Name = name, DisplayName = displayName ?? name };
        descriptor.Resources.UnionWith(resources);
        await scopes.CreateAsync(descriptor, cancellationToken);
        await audit.WriteAsync(AuditTypes.ScopeAdd, AuditLog.Success, null, cancellationToken: cancellationToken,
            reason: $"scope {name}; resources {string.Join(" ", descriptor.Resources)}");
        return new ScopeSummary(name, descriptor.DisplayName, [.. descriptor.Resources]);
    }

    public async Task<IReadOnlyList<ScopeSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<ScopeSummary>();
        await foreach (var scope in scopes.ListAsync(count: null, offset: null, cancellationToken))
        {
            result.Add(new ScopeSummary(
                (await scopes.GetNameAsync(scope, cancellationToken))!,
                await scopes.GetDisplayNameAsync(scope, cancellationToken),
                [.. await scopes.GetResourcesAsync(scope, cancellationToken)]));
        }

        return [.. result.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }
}
