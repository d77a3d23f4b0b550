using Microsoft.Extensions.Options;

namespace IdP.Server.Accounts;

/// <summary>
/// Lets at most <see cref="AccountOptions.ConcurrentPasswordChecks"/> password checks run at once; the rest wait
/// their turn without holding a thread.
/// </summary>
/// <remarks>
/// A password check is about 50-100 ms of one core's work (PBKDF2, 100,000 iterations) done on a thread-pool thread.
/// Unbounded, a burst of sign-ins puts one such check on every pool thread: the pool starts more threads, the
/// checks slice the core between them (each one finishes later, and the switching costs CPU), and a token, JWKS or
/// mapper request waits behind them for a thread. Queued, each check runs to the end in turn, and cheap requests
/// keep their threads.
/// </remarks>
public sealed class PasswordCheckGate(IOptions<AccountOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentPasswordChecks is > 0 and var count ? count : Environment.ProcessorCount);

    /// <summary>Runs <paramref name="check"/> when a slot is free.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> check, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await check();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
