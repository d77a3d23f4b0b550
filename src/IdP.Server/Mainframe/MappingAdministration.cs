using System.Text;
using IdP.Server.Accounts;
using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;

namespace IdP.Server.Mainframe;

/// <summary>What an administrator asks to map: <paramref name="Subject"/> is a user (name, e-mail or id) or a client id.</summary>
public sealed record MappingRequest(string Kind, string Subject, string Registry, string UserId, string? Label = null);

/// <summary>A mapping as shown by <c>mappings list|show</c>.</summary>
public sealed record MappingSummary(
    string DistributedId, string Registry, string MainframeUserId, string Kind, string? Label, DateTimeOffset CreatedAt)
{
    public static MappingSummary Of(IdentityMapping m) => new(m.DistributedId, m.Registry, m.MainframeUserId, m.Kind, m.Label, m.CreatedAt);
}

/// <summary>One refused row of an import (or the one refused request of <c>mappings add</c>).</summary>
public sealed record MappingRowError(int Line, string Message);

/// <summary>
/// Maintains the distributed-identity mappings the gateway looks up. Every request is checked whole before anything is
/// written, and every write commits together with a bump of the change stamp, so caches never miss a change. Each
/// mapping added or removed is audited on its own, so the trail says who could act as which mainframe user when.
/// </summary>
public sealed class MappingAdministration(
    IdpDbContext db, UserManager<IdpUser> users, IOpenIddictApplicationManager applications, AuditLog audit, TimeProvider time)
{
    public async Task<MappingSummary> AddAsync(MappingRequest request, CancellationToken cancellationToken = default)
    {
        var (mappings, errors) = await CheckAsync([(0, request)], cancellationToken);
        if (errors.Count > 0)
        {
            throw new AdministrationException(errors[0].Message);
        }

        await WriteAsync(mappings, cancellationToken);
        await AuditAsync(AuditTypes.MappingAdd, mappings, cancellationToken);
        return MappingSummary.Of(mappings[0]);
    }

    /// <summary>Adds every row or none: any bad row is reported (all of them, with line numbers) and nothing is written.</summary>
    public async Task<(int Imported, IReadOnlyList<MappingRowError> Errors)> ImportAsync(string csv, CancellationToken cancellationToken = default)
    {
        var parsed = MappingCsv.Parse(csv);
        var (mappings, errors) = await CheckAsync(parsed.Rows, cancellationToken);
        var all = parsed.Errors.Concat(errors).OrderBy(e => e.Line).ToList();
        if (all.Count > 0)
        {
            return (0, all);
        }

        if (mappings.Count == 0)
        {
            throw new AdministrationException("The file holds no mappings, only a header.");
        }

        await WriteAsync(mappings, cancellationToken);
        await AuditAsync(AuditTypes.MappingImport, mappings, cancellationToken);
        return (mappings.Count, []);
    }

    public async Task<MappingSummary> RemoveAsync(string kind, string subject, string registry, CancellationToken cancellationToken = default)
    {
        var distributedId = await ResolveExistingAsync(kind, subject, cancellationToken);
        var mapping = await db.IdentityMappings.SingleOrDefaultAsync(
                          m => m.DistributedId == distributedId && m.Registry == registry.Trim(), cancellationToken)
                      ?? throw new AdministrationException($"'{MainframeNames.Visible(subject)}' has no mapping in registry '{MainframeNames.Visible(registry.Trim())}'.");

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.IdentityMappings.Remove(mapping);
        await db.SaveChangesAsync(cancellationToken);
        await MappingChanges.BumpAsync(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await AuditAsync(AuditTypes.MappingRemove, [mapping], cancellationToken);
        return MappingSummary.Of(mapping);
    }

    /// <summary>
    /// Removes every mapping of a client that is being deleted, inside the caller's transaction (the one that deletes
    /// the client) and with a bump of the change stamp. <see cref="AuditRemovedAsync"/> records them once it committed.
    /// </summary>
    public async Task<IReadOnlyList<IdentityMapping>> RemoveClientMappingsAsync(string clientId, CancellationToken cancellationToken = default)
    {
        var mappings = await db.IdentityMappings
            .Where(m => m.DistributedId == clientId && m.Kind == IdentityMapping.ClientKind).ToListAsync(cancellationToken);
        if (mappings.Count > 0)
        {
            db.IdentityMappings.RemoveRange(mappings);
            await db.SaveChangesAsync(cancellationToken);
            await MappingChanges.BumpAsync(db, cancellationToken);
        }

        return mappings;
    }

    public Task AuditRemovedAsync(IReadOnlyList<IdentityMapping> mappings, CancellationToken cancellationToken = default)
        => mappings.Count == 0 ? Task.CompletedTask : AuditAsync(AuditTypes.MappingRemove, mappings, cancellationToken);

    public async Task<IReadOnlyList<MappingSummary>> ListAsync(string? registry = null, CancellationToken cancellationToken = default)
        => [.. (await LoadAsync(registry, cancellationToken)).Select(MappingSummary.Of)];

    /// <summary>Every mapping of one distributed identity, in all registries.</summary>
    public async Task<IReadOnlyList<MappingSummary>> ShowAsync(string kind, string subject, CancellationToken cancellationToken = default)
    {
        var distributedId = await ResolveExistingAsync(kind, subject, cancellationToken);
        return [.. (await db.IdentityMappings.AsNoTracking().Where(m => m.DistributedId == distributedId)
            .OrderBy(m => m.Registry).ToListAsync(cancellationToken)).Select(MappingSummary.Of)];
    }

    /// <summary>The ESM commands that create the same mappings (see docs/esm-export.md).</summary>
    public async Task<string> ExportAsync(EsmFormat format, string? registry = null, CancellationToken cancellationToken = default)
        => EsmExport.Render(format, await LoadAsync(registry, cancellationToken));

    public Task<long> ChangeStampAsync(CancellationToken cancellationToken = default) => MappingChanges.CurrentAsync(db, cancellationToken);

    private async Task<List<IdentityMapping>> LoadAsync(string? registry, CancellationToken cancellationToken)
    {
        var query = db.IdentityMappings.AsNoTracking();
        if (registry is not null)
        {
            query = query.Where(m => m.Registry == registry.Trim());
        }

        return await query.OrderBy(m => m.Registry).ThenBy(m => m.MainframeUserId).ThenBy(m => m.DistributedId).ToListAsync(cancellationToken);
    }

    private async Task WriteAsync(List<IdentityMapping> mappings, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.IdentityMappings.AddRange(mappings);
        await db.SaveChangesAsync(cancellationToken);
        await MappingChanges.BumpAsync(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// One audit event per mapping, all in one write, after the change committed (the audit log writes through its own
    /// connection, which SQLite would make wait for this one's transaction).
    /// </summary>
    private async Task AuditAsync(string type, IReadOnlyList<IdentityMapping> mappings, CancellationToken cancellationToken)
    {
        // A user mapping's distributed identity is the user id; the names are looked up once, for the USER column.
        var userIds = mappings.Where(m => m.Kind == IdentityMapping.UserKind).Select(m => m.DistributedId).Distinct().ToList();
        var names = userIds.Count == 0
            ? []
            : await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName, cancellationToken);
        await audit.WriteAllAsync([.. mappings.Select(m => new AuditEvent
        {
            Type = type,
            Outcome = AuditLog.Success,
            UserId = m.Kind == IdentityMapping.UserKind ? m.DistributedId : null,
            UserName = m.Kind == IdentityMapping.UserKind ? names.GetValueOrDefault(m.DistributedId) : null,
            ClientId = m.Kind == IdentityMapping.ClientKind ? m.DistributedId : null,
            Reason = $"registry '{m.Registry}' -> {m.MainframeUserId}" + (m.Label is null ? "" : $" (label '{m.Label}')"),
        })], cancellationToken);
    }

    /// <summary>
    /// Builds the mappings of <paramref name="rows"/> and checks them against each other and the table: one
    /// (distributed identity, registry) maps to one user ID, and a user ID's labels are distinct, as RACF and Top Secret require.
    /// </summary>
    private async Task<(List<IdentityMapping> Mappings, List<MappingRowError> Errors)> CheckAsync(
        IReadOnlyList<(int Line, MappingRequest Request)> rows, CancellationToken cancellationToken)
    {
        var existing = await db.IdentityMappings.AsNoTracking().ToListAsync(cancellationToken);
        var identities = existing.ToDictionary(m => (m.DistributedId, m.Registry), _ => 0);
        var labels = existing.Where(m => m.Label is not null).ToDictionary(m => (m.MainframeUserId, m.Label!), _ => 0);
        var mappings = new List<IdentityMapping>();
        var errors = new List<MappingRowError>();
        foreach (var (line, request) in rows)
        {
            var (mapping, defaultLabel, error) = await BuildAsync(request, cancellationToken);
            if (mapping is null)
            {
                errors.Add(new(line, error!));
                continue;
            }

            if (identities.TryGetValue((mapping.DistributedId, mapping.Registry), out var earlier))
            {
                errors.Add(new(line, earlier == 0
                    ? $"'{MainframeNames.Visible(request.Subject.Trim())}' is already mapped in registry '{mapping.Registry}'; remove that mapping first."
                    : $"'{MainframeNames.Visible(request.Subject.Trim())}' is mapped in registry '{mapping.Registry}' twice (also on line {earlier})."));
                continue;
            }

            // An explicit label must be free; a default one (the user or client name) is simply left out when taken.
            if (mapping.Label is { } label && labels.TryGetValue((mapping.MainframeUserId, label), out earlier))
            {
                errors.Add(new(line, $"User ID {mapping.MainframeUserId} already has a mapping labelled '{label}'"
                    + (earlier == 0 ? "" : $" (line {earlier})") + "; RACF and Top Secret need a user ID's labels to differ."));
                continue;
            }

            if (mapping.Label is null && defaultLabel is not null && !labels.ContainsKey((mapping.MainframeUserId, defaultLabel)))
            {
                mapping.Label = defaultLabel;
            }

            identities[(mapping.DistributedId, mapping.Registry)] = line;
            if (mapping.Label is not null)
            {
                labels[(mapping.MainframeUserId, mapping.Label)] = line;
            }

            mappings.Add(mapping);
        }

        return (mappings, errors);
    }

    /// <summary>The mapping a request describes, with the label to use if none was given, or the one sentence saying what is wrong.</summary>
    private async Task<(IdentityMapping? Mapping, string? DefaultLabel, string? Error)> BuildAsync(MappingRequest request, CancellationToken cancellationToken)
    {
        var kind = request.Kind.Trim().ToLowerInvariant();
        var subject = request.Subject.Trim();
        var registry = request.Registry.Trim();
        var label = string.IsNullOrWhiteSpace(request.Label) ? null : request.Label.Trim();
        var userId = MainframeNames.NormalizeUserId(request.UserId);

        string? problem =
            kind is not (IdentityMapping.UserKind or IdentityMapping.ClientKind) ? $"The kind '{Shorten(request.Kind)}' must be 'user' or 'client'."
            : subject.Length == 0 ? $"The {kind} is blank."
            : Encoding.UTF8.GetByteCount(subject) > MainframeNames.MaxDistributedIdBytes
                ? $"'{Shorten(subject)}' is longer than {MainframeNames.MaxDistributedIdBytes} UTF-8 bytes, the most a distributed identity can be."
            : userId is null ? $"'{Shorten(request.UserId)}' is not a valid mainframe user ID (1-8 of A-Z 0-9 # $ @, not starting with a digit)."
            : registry.Length == 0 ? "The registry is blank; it must be 1-255 UTF-8 bytes."
            : !MainframeNames.IsValidRegistry(registry)
                ? $"The registry '{Shorten(registry)}' is not valid (1-{MainframeNames.MaxRegistryBytes} UTF-8 bytes, only printing characters)."
            : !MainframeNames.IsPrintableAscii(registry)
                ? $"The registry '{Shorten(registry)}' has characters other than printable ASCII; API ML sends the registry to the mapper as ISO-8859-1, so it could never be looked up."
            : label is not null && !MainframeNames.IsValidLabel(label)
                ? $"The label '{Shorten(label)}' is not valid (1-{MainframeNames.MaxLabelBytes} UTF-8 bytes, only printing characters), as RACF and Top Secret require."
            : null;
        if (problem is not null)
        {
            return (null, null, problem);
        }

        var (distributedId, name) = kind == IdentityMapping.UserKind
            ? await FindUserAsync(subject) is { } user ? (user.Id, user.UserName) : (null, null)
            : await applications.FindByClientIdAsync(subject, cancellationToken) is not null ? (subject, subject) : (null, null);
        if (distributedId is null)
        {
            return (null, null, kind == IdentityMapping.UserKind ? $"No user named '{MainframeNames.Visible(subject)}'." : $"No client named '{MainframeNames.Visible(subject)}'.");
        }

        if (!MainframeNames.IsValidDistributedId(distributedId))
        {
            return (null, null, $"The distributed identity of '{Shorten(subject)}' is not valid (1-{MainframeNames.MaxDistributedIdBytes} UTF-8 bytes, only printing characters).");
        }

        if (!MainframeNames.IsPrintableAscii(distributedId))
        {
            return (null, null, $"The distributed identity of '{Shorten(subject)}' has characters other than printable ASCII; API ML sends it to the mapper as ISO-8859-1, so it could never be looked up.");
        }

        var mapping = new IdentityMapping
        {
            DistributedId = distributedId,
            Registry = registry,
            MainframeUserId = userId!,
            Kind = kind,
            Label = label,
            CreatedAt = time.GetUtcNow(),
        };
        return (mapping, MainframeNames.IsValidLabel(name) ? name : null, null);
    }

    /// <summary>
    /// The distributed identity to remove or show: the user's id or the client id, or for a user or client that was
    /// deleted since, the identity itself when mappings still name it (so that they can be cleaned up).
    /// </summary>
    private async Task<string> ResolveExistingAsync(string kind, string subject, CancellationToken cancellationToken)
    {
        subject = subject.Trim();
        if (kind == IdentityMapping.UserKind && await FindUserAsync(subject) is { } user)
        {
            return user.Id;
        }

        if (kind == IdentityMapping.ClientKind && await applications.FindByClientIdAsync(subject, cancellationToken) is not null)
        {
            return subject;
        }

        return await db.IdentityMappings.AnyAsync(m => m.DistributedId == subject && m.Kind == kind, cancellationToken)
            ? subject
            : throw new AdministrationException(kind == IdentityMapping.UserKind ? $"No user named '{MainframeNames.Visible(subject)}'." : $"No client named '{MainframeNames.Visible(subject)}'.");
    }

    /// <summary>By user name, then e-mail address (as the login page does), then id (the <c>sub</c> itself).</summary>
    private async Task<IdpUser?> FindUserAsync(string subject)
        => await users.FindByNameAsync(subject) ?? await users.FindByEmailAsync(subject) ?? await users.FindByIdAsync(subject);

    /// <summary>Keeps a refusal to one readable line: non-printing characters shown as '?', long values cut short.</summary>
    private static string Shorten(string value)
    {
        var visible = MainframeNames.Visible(value);
        return visible.Length <= 40 ? visible : visible[..37] + "...";
    }
}
