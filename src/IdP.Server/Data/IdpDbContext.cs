using IdP.Server.Accounts;
using IdP.Server.Keys;
using IdP.Server.Mfa;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Data;

/// <summary>
/// The one database context: ASP.NET Core Identity (schema version 3, with passkeys), OpenIddict's
/// applications, authorizations, scopes and tokens, the Data Protection key ring, and IdP's own tables.
/// </summary>
/// <remarks>
/// Note: nothing here may assume one engine. This type is the SQLite context; <see cref="PostgreSqlIdpDbContext"/>
/// derives from it only so that EF Core finds a separate migration set per provider (migrations are bound to a
/// context type). Everything else resolves <see cref="IdpDbContext"/> and works on either.
/// </remarks>
public class IdpDbContext : IdentityDbContext<IdpUser>, IDataProtectionKeyContext
{
    public IdpDbContext(DbContextOptions<IdpDbContext> options)
        : base(options)
    {
    }

    /// <summary>For provider-specific subclasses, which carry their own options type.</summary>
    protected IdpDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

    public DbSet<TotpAuthenticator> TotpAuthenticators => Set<TotpAuthenticator>();

    public DbSet<RecoveryCode> RecoveryCodes => Set<RecoveryCode>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<Mainframe.IdentityMapping> IdentityMappings => Set<Mainframe.IdentityMapping>();

    public DbSet<Mainframe.MappingChangeStamp> MappingChangeStamps => Set<Mainframe.MappingChangeStamp>();

    public DbSet<Clients.ClientChangeStamp> ClientChangeStamps => Set<Clients.ClientChangeStamp>();

    public DbSet<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey> DataProtectionKeys
        => Set<Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // OpenIddict's entities (applications, authorizations, scopes, tokens) with their default keys.
        builder.UseOpenIddict();

        builder.Entity<IdpUser>(user =>
        {
            user.Property(u => u.IsDisabled).HasDefaultValue(false);
            user.Property(u => u.ActivationCodeDigest).HasMaxLength(64);
        });

        builder.Entity<TotpAuthenticator>(totp =>
        {
            totp.ToTable("IdpTotpAuthenticators");
            totp.HasKey(t => t.Id);
            totp.Property(t => t.Id).HasMaxLength(32);
            totp.Property(t => t.Algorithm).HasMaxLength(10);
            totp.Property(t => t.Label).HasMaxLength(100);
            totp.HasOne<IdpUser>().WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
            totp.HasIndex(t => t.UserId);
        });

        builder.Entity<RecoveryCode>(code =>
        {
            code.ToTable("IdpRecoveryCodes");
            code.HasKey(c => c.Id);
            code.Property(c => c.CodeHash).HasMaxLength(64);
            code.HasOne<IdpUser>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            code.HasIndex(c => new { c.UserId, c.CodeHash }).IsUnique();
        });

        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("IdpAuditEvents");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Type).HasMaxLength(64);
            audit.Property(a => a.Actor).HasMaxLength(AuditEvent.MaxActorLength);
            audit.Property(a => a.UserId).HasMaxLength(450);
            audit.Property(a => a.UserName).HasMaxLength(256);
            audit.Property(a => a.Factor).HasMaxLength(32);
            audit.Property(a => a.ClientId).HasMaxLength(100);
            audit.Property(a => a.IpAddress).HasMaxLength(64);
            audit.Property(a => a.UserAgent).HasMaxLength(512);
            audit.Property(a => a.Outcome).HasMaxLength(16);
            audit.Property(a => a.Reason).HasMaxLength(256);
            // Note: audit rows outlive the user on purpose (no foreign key).
            audit.HasIndex(a => new { a.UserId, a.Id });
        });

        builder.Entity<Mainframe.IdentityMapping>(mapping =>
        {
            mapping.ToTable("IdpIdentityMappings");
            mapping.HasKey(m => m.Id);
            mapping.Property(m => m.DistributedId).HasMaxLength(246);
            mapping.Property(m => m.Registry).HasMaxLength(255);
            mapping.Property(m => m.MainframeUserId).HasMaxLength(8);
            mapping.Property(m => m.Kind).HasMaxLength(10);
            mapping.Property(m => m.Label).HasMaxLength(256);
            // The gateway's lookup: one distributed identity in one registry maps to one user ID.
            mapping.HasIndex(m => new { m.DistributedId, m.Registry }).IsUnique();
        });

        builder.Entity<Mainframe.MappingChangeStamp>(stamp =>
        {
            stamp.ToTable("IdpMappingChangeStamp");
            stamp.HasKey(s => s.Id);
            stamp.Property(s => s.Id).ValueGeneratedNever();
            stamp.HasData(new Mainframe.MappingChangeStamp { Id = 1, Version = 0 });
        });

        builder.Entity<Clients.ClientChangeStamp>(stamp =>
        {
            stamp.ToTable("IdpClientChangeStamp");
            stamp.HasKey(s => s.Id);
            stamp.Property(s => s.Id).ValueGeneratedNever();
            stamp.HasData(new Clients.ClientChangeStamp { Id = 1, Version = 0 });
        });

        builder.Entity<SigningKey>(key =>
        {
            key.ToTable("IdpSigningKeys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(100);
            key.Property(k => k.Use).HasMaxLength(10);
            key.Property(k => k.Set).HasMaxLength(10).HasDefaultValue(SigningKey.GeneralSet);
            key.Property(k => k.Algorithm).HasMaxLength(20);
            key.Property(k => k.ProtectedKeyMaterial).IsRequired();
            key.HasIndex(k => new { k.Use, k.ActivatesAt });
        });
    }
}
