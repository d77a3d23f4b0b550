using System.Globalization;
using System.Text.RegularExpressions;
using IdP.Server.Accounts;
using IdP.Server.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IdP.Server.Administration;

/// <summary>One audit event as <c>audit list</c> shows it: <see cref="AuditEntry"/> plus whose it is.</summary>
public sealed record AuditListEntry(
    long Id, DateTimeOffset At, string Type, string? UserName, string? UserId, string? Actor, string? Factor, string Outcome, string? Reason,
    string? ClientId, string? IpAddress, string? UserAgent);

/// <summary>The audit trail across all users, for <c>audit list</c>.</summary>
public sealed partial class AuditAdministration(IdpDbContext db, UserManager<IdpUser> users, TimeProvider time)
{
    private const int ScanBatch = 500;

    /// <summary>
    /// Events newest first, at most <paramref name="limit"/>. <paramref name="user"/> is a user name, e-mail address or
    /// user id (a deleted user's id or recorded name still matches); <paramref name="typePrefix"/> matches the start of
    /// the type (<c>signin.</c>); <paramref name="since"/> an ISO 8601 date or a duration back from now (<c>24h</c>);
    /// <paramref name="actorPrefix"/> matches the start of the actor (<c>cli:</c>, <c>system</c>, <c>user:alice</c>).
    /// </summary>
    public async Task<IReadOnlyList<AuditListEntry>> ListAsync(
        string? user, string? since, string? typePrefix, int limit, string? actorPrefix = null, CancellationToken cancellationToken = default)
    {
        if (limit < 1)
        {
            throw new AdministrationException("The limit must be at least 1.");
        }

        var from = since is null ? (DateTimeOffset?)null : ParseSince(since, time.GetUtcNow());
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(user))
        {
            var found = await users.FindByNameAsync(user) ?? await users.FindByEmailAsync(user) ?? await users.FindByIdAsync(user);
            var userId = found?.Id ?? user;
            var userName = found?.UserName ?? user;
            query = query.Where(e => e.UserId == userId || e.UserName == userName);
        }

        if (!string.IsNullOrWhiteSpace(typePrefix))
        {
            query = query.Where(e => e.Type.StartsWith(typePrefix));
        }

        if (!string.IsNullOrWhiteSpace(actorPrefix))
        {
            query = query.Where(e => e.Actor != null && e.Actor.StartsWith(actorPrefix));
        }

        // SQLite cannot compare DateTimeOffset values in SQL, so the time filter runs here: newest first by id (ids
        // follow insertion), a batch at a time, stopping at the first event older than the start.
        var result = new List<AuditListEntry>();
        long? before = null;
        while (result.Count < limit)
        {
            var page = query;
            if (before is { } last)
            {
                page = page.Where(e => e.Id < last);
            }

            var batch = await page.OrderByDescending(e => e.Id).Take(from is null ? limit - result.Count : ScanBatch)
                .Select(e => new AuditListEntry(e.Id, e.At, e.Type, e.UserName, e.UserId, e.Actor, e.Factor, e.Outcome, e.Reason, e.ClientId, e.IpAddress, e.UserAgent))
                .ToListAsync(cancellationToken);
            foreach (var entry in batch)
            {
                if (entry.At < from || result.Count == limit)
                {
                    return result;
                }

                result.Add(entry);
            }

            if (batch.Count == 0 || from is null)
            {
                return result;
            }

            before = batch[^1].Id;
        }

        return result;
    }

    /// <summary><c>2026-01-05</c>, <c>2026-01-05T09:00:00Z</c> (UTC unless an offset is given), or <c>90m</c>, <c>24h</c>, <c>7d</c> back from now.</summary>
    public static DateTimeOffset ParseSince(string since, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(since);
        var duration = DurationPattern().Match(since.Trim());
        if (duration.Success && int.TryParse(duration.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return duration.Groups[2].Value switch
            {
                "m" => now.AddMinutes(-amount),
                "h" => now.AddHours(-amount),
                _ => now.AddDays(-amount),
            };
        }

        if (DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            return date;
        }

        throw new AdministrationException($"--since '{since}' is neither an ISO 8601 date (2026-01-05T09:00:00Z) nor a duration such as 90m, 24h or 7d.");
    }

    [GeneratedRegex("^([0-9]{1,6})([mhd])$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
