namespace IdP.Bench.SignIn;

/// <summary>A pre-created user of the sign-in scenario. IdP accepts each TOTP step's code once per authenticator.</summary>
public sealed class PoolUser(string name)
{
    public string Name { get; } = name;

    /// <summary>The TOTP step whose code this sign-in uses; a user is taken again only in a later step.</summary>
    public long ClaimedStep { get; set; } = -1;

    public int SignIns { get; set; }
}

/// <summary>
/// Hands each sign-in a fresh user, in order. Only once the pool is used up does a user sign in again, and then
/// never twice in the same TOTP step (IdP would rightly refuse the code as a replay).
/// </summary>
public sealed class UserPool(IReadOnlyList<string> names)
{
    private readonly PoolUser[] _users = [.. names.Select(n => new PoolUser(n))];
    private readonly Lock _lock = new();
    private int _next;

    public int Count => _users.Length;

    /// <summary>How many sign-ins went to a user who had signed in before.</summary>
    public int Reused { get; private set; }

    public async Task<PoolUser> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_lock)
            {
                var step = Totp.CurrentStep();
                for (var tried = 0; tried < _users.Length; tried++)
                {
                    var user = _users[_next];
                    _next = (_next + 1) % _users.Length;
                    if (user.ClaimedStep < step)
                    {
                        if (user.SignIns > 0)
                        {
                            Reused++;
                        }

                        user.ClaimedStep = step;
                        user.SignIns++;
                        return user;
                    }
                }
            }

            // Every user signed in during this step: wait for the next one.
            await Task.Delay(200, cancellationToken);
        }
    }
}
