namespace IdP.Server.Mainframe;

/// <summary>
/// One distributed identity (a token's <c>sub</c>) mapped, within one registry, to a mainframe user ID: what RACF's
/// RACMAP, ACF2's IDMAP and Top Secret's IDMAP record, and what the gateway's identity mapper looks up.
/// </summary>
public sealed class IdentityMapping
{
    public long Id { get; set; }

    /// <summary>The distributed identity: a user's <c>sub</c> (their id) or a service client's id. At most 246 UTF-8 bytes.</summary>
    public required string DistributedId { get; set; }

    /// <summary>The registry name the gateway sends (<c>apiml.security.oidc.registry</c>). At most 255 UTF-8 bytes.</summary>
    public required string Registry { get; set; }

    /// <summary>The mainframe user ID: 1-8 of A-Z 0-9 # $ @, not starting with a digit, upper-case.</summary>
    public required string MainframeUserId { get; set; }

    /// <summary><c>user</c> or <c>client</c>: what the distributed identity is.</summary>
    public required string Kind { get; set; }

    /// <summary>A label for people and for the exported ESM commands (e.g. the user name).</summary>
    public string? Label { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public const string UserKind = "user";
    public const string ClientKind = "client";
}

/// <summary>
/// A counter bumped in the same transaction as every mapping change. Instances poll it cheaply (one indexed row)
/// and drop their lookup cache when it moves, so a change is seen everywhere without a cluster protocol.
/// </summary>
public sealed class MappingChangeStamp
{
    public int Id { get; set; } = 1;

    public long Version { get; set; }
}
