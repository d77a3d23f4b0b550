using IdP.Server.Accounts;
using IdP.Server.Keys;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Data;

/// <summary>
/// The one database context: ASP.NET Core Identity (schema version 3, with passkeys), OpenIddict's
/// applications, authorizations, scopes and tokens, the Data Protection key ring, and IdP's own tables.
/// </summary>
/// <remarks>
/// Note: nothing here may assume SQLite. Provider-specific behaviour (pragmas, migration sets) lives in
/// <see cref="DatabaseServiceCollectionExtensions"/> so a second provider only adds a migration set.
/// </remarks>
public sealed class IdpDbContext(DbContextOptions<IdpDbContext> options)
    : IdentityDbContext<IdpUser>(options), IDataProtectionKeyContext
{
    public DbSet<SigningKey> SigningKeys => Set<SigningKey>();

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
        });

        builder.Entity<SigningKey>(key =>
        {
            key.ToTable("IdpSigningKeys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(100);
            key.Property(k => k.Use).HasMaxLength(10);
            key.Property(k => k.Algorithm).HasMaxLength(20);
            key.Property(k => k.ProtectedKeyMaterial).IsRequired();
            key.HasIndex(k => new { k.Use, k.ActivatesAt });
        });
    }
}
