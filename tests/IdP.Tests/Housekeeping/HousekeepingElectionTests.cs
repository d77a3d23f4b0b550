using IdP.Server.Data;
using IdP.Server.Housekeeping;
using IdP.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Housekeeping;

/// <summary>Several instances on one database: housekeeping runs on one of them at a time (a database lock elects it).</summary>
public sealed class HousekeepingElectionTests
{
    [Fact]
    public async Task an_instance_skips_its_round_while_another_holds_the_housekeeping_lock_and_runs_once_it_is_released()
    {
        // Arrange: two instances on the same database.
        var dataDirectory = IdpFactory.NewDataDirectory();
        using var first = IdpFactory.On(dataDirectory, keepData: true);
        using var second = IdpFactory.On(dataDirectory);
        await first.AdministerAsync(_ => Task.FromResult(0));

        // Act: the first instance is pruning (holds the lock); the second's round comes up.
        var held = await first.AdministerAsync(s => s.GetRequiredService<DatabaseLock>().TryAcquireAsync(HousekeepingService.LockName));
        Assert.NotNull(held);
        var skipped = await second.AdministerAsync(RunRoundAsync);
        await held.DisposeAsync();
        var ran = await second.AdministerAsync(RunRoundAsync);

        // Assert
        Assert.False(skipped);
        Assert.True(ran);
    }

    private static Task<bool> RunRoundAsync(IServiceProvider services)
        => ActivatorUtilities.CreateInstance<HousekeepingService>(services).RunOnceIfElectedAsync(CancellationToken.None);
}
