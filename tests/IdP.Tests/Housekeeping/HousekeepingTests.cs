using IdP.Server.Data;
using IdP.Server.Housekeeping;
using IdP.Server.Mfa;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace IdP.Tests.Housekeeping;

/// <summary>Housekeeping deletes expired, redeemed or revoked protocol state and old audit events, and nothing else.</summary>
public sealed class HousekeepingTests
{
    [Fact]
    public async Task pruning_deletes_only_expired_tokens_and_authorizations_past_retention_and_audit_events_past_retention()
    {
        using var idp = new IdpFactory();
        var now = idp.Clock.GetUtcNow();
        var old = now.AddDays(-2); // beyond the default one-day token retention

        // Arrange: tokens and authorizations in each state, with dates in the real past so either clock sees them expired.
        var ids = await idp.AdministerAsync(async services =>
        {
            var tokens = services.GetRequiredService<IOpenIddictTokenManager>();
            var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
            async Task<string> Token(DateTimeOffset created, DateTimeOffset expires, string status)
                => (await tokens.GetIdAsync(await tokens.CreateAsync(new OpenIddictTokenDescriptor
                {
                    CreationDate = created, ExpirationDate = expires, Status = status, Subject = "someone", Type = OpenIddictConstants.TokenTypeHints.RefreshToken,
                })))!;
            async Task<string> Authorization(DateTimeOffset created, string status)
                => (await authorizations.GetIdAsync(await authorizations.CreateAsync(new OpenIddictAuthorizationDescriptor
                {
                    CreationDate = created, Status = status, Subject = "someone", Type = OpenIddictConstants.AuthorizationTypes.Permanent,
                })))!;

            return new
            {
                ExpiredToken = await Token(old, old.AddHours(8), OpenIddictConstants.Statuses.Valid),
                RevokedToken = await Token(old, now.AddHours(8), OpenIddictConstants.Statuses.Revoked),
                LiveToken = await Token(old, now.AddHours(8), OpenIddictConstants.Statuses.Valid),
                RecentlyRedeemedToken = await Token(now.AddHours(-1), now.AddHours(7), OpenIddictConstants.Statuses.Redeemed),
                RevokedAuthorization = await Authorization(old, OpenIddictConstants.Statuses.Revoked),
                LiveAuthorization = await Authorization(old, OpenIddictConstants.Statuses.Valid),
            };
        });

        // Written directly, with old and recent times; the old one after a recent one, as a skewed clock would.
        var auditIds = await idp.AdministerAsync(async services =>
        {
            var db = services.GetRequiredService<IdpDbContext>();
            var recent = new AuditEvent { At = now.AddDays(-364), Type = "signin.password", Outcome = AuditLog.Success };
            var expired = new AuditEvent { At = now.AddDays(-366), Type = "signin.password", Outcome = AuditLog.Failure };
            var current = new AuditEvent { At = now, Type = "admin.mfa-exempt", Outcome = AuditLog.Success };
            db.AuditEvents.AddRange(recent, expired, current);
            await db.SaveChangesAsync();
            return new { Recent = recent.Id, Expired = expired.Id, Current = current.Id };
        });

        // Act
        var pruned = await idp.AdministerAsync(services => services.GetRequiredService<Housekeeper>().PruneAsync());

        // Assert
        Assert.Equal(new PruneResult(2, 1, 1), pruned);
        var (tokensLeft, authorizationsLeft, auditLeft) = await idp.AdministerAsync(async services =>
        {
            var tokens = services.GetRequiredService<IOpenIddictTokenManager>();
            var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
            var tokenIds = new List<string>();
            await foreach (var token in tokens.ListAsync())
            {
                tokenIds.Add((await tokens.GetIdAsync(token))!);
            }

            var authorizationIds = new List<string>();
            await foreach (var authorization in authorizations.ListAsync())
            {
                authorizationIds.Add((await authorizations.GetIdAsync(authorization))!);
            }

            var audit = await services.GetRequiredService<IdpDbContext>().AuditEvents.Select(e => e.Id).ToListAsync();
            return (tokenIds, authorizationIds, audit);
        });
        Assert.Equal(new[] { ids.LiveToken, ids.RecentlyRedeemedToken }.Order(), tokensLeft.Order());
        Assert.Equal([ids.LiveAuthorization], authorizationsLeft);
        Assert.Equal([auditIds.Recent, auditIds.Current], auditLeft.Order());

        // Running again (as a second instance would) deletes nothing more.
        Assert.Equal(new PruneResult(0, 0, 0), await idp.AdministerAsync(services => services.GetRequiredService<Housekeeper>().PruneAsync()));
    }

    [Fact]
    public async Task audit_pruning_works_through_more_than_one_batch()
    {
        using var idp = new IdpFactory();
        var now = idp.Clock.GetUtcNow();
        await idp.AdministerAsync(async services =>
        {
            var db = services.GetRequiredService<IdpDbContext>();
            db.AuditEvents.AddRange(Enumerable.Range(0, Housekeeper.BatchSize + 5)
                .Select(_ => new AuditEvent { At = now.AddDays(-400), Type = "signin.password", Outcome = AuditLog.Failure }));
            db.AuditEvents.Add(new AuditEvent { At = now, Type = "signin.password", Outcome = AuditLog.Success });
            return await db.SaveChangesAsync();
        });

        var pruned = await idp.AdministerAsync(services => services.GetRequiredService<Housekeeper>().PruneAsync());

        Assert.Equal(Housekeeper.BatchSize + 5, pruned.AuditEvents);
        Assert.Equal(1, await idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents.CountAsync()));
    }
}
