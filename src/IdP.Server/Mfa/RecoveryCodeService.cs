using System.Security.Cryptography;
using System.Text;
using IdP.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IdP.Server.Mfa;

/// <summary>
/// Single-use recovery codes. Each code carries 50 random bits; it is stored as SHA-256 over the user id and the
/// code, so a database leak reveals no code and one user's digests say nothing about another's.
/// </summary>
public sealed class RecoveryCodeService(IdpDbContext db, IOptions<MfaOptions> options, TimeProvider time)
{
    // Crockford-style alphabet: no I, L, O or U to misread.
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>Replaces every code of the user with a new set, returned once for display.</summary>
    public async Task<IReadOnlyList<string>> RegenerateAsync(string userId, CancellationToken cancellationToken = default)
    {
        var codes = Enumerable.Range(0, options.Value.RecoveryCodeCount).Select(_ => NewCode()).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);
        var now = time.GetUtcNow();
        db.RecoveryCodes.AddRange(codes.Select(code => new RecoveryCode { UserId = userId, CodeHash = Hash(userId, code), CreatedAt = now }));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return codes;
    }

    /// <summary>Uses a code: the conditional write succeeds once, so a code cannot be used twice, even concurrently.</summary>
    public async Task<bool> RedeemAsync(string userId, string code, CancellationToken cancellationToken = default)
    {
        var normalized = Normalize(code);
        if (normalized.Length != 10)
        {
            return false;
        }

        var hash = Hash(userId, normalized);
        var now = time.GetUtcNow();
        return await db.RecoveryCodes
            .Where(c => c.UserId == userId && c.CodeHash == hash && c.UsedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(c => c.UsedAt, now), cancellationToken) == 1;
    }

    public Task<int> RemainingAsync(string userId, CancellationToken cancellationToken = default)
        => db.RecoveryCodes.CountAsync(c => c.UserId == userId && c.UsedAt == null, cancellationToken);

    public Task<int> RemoveAllAsync(string userId, CancellationToken cancellationToken = default)
        => db.RecoveryCodes.Where(c => c.UserId == userId).ExecuteDeleteAsync(cancellationToken);

    private static string NewCode()
    {
        Span<char> chars = stackalloc char[10];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return $"{chars[..5]}-{chars[5..]}";
    }

    private static string Normalize(string code)
        => new([.. code.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit)]);

    private static string Hash(string userId, string code)
        => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(userId + ":" + Normalize(code))));
}
