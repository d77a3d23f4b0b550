using System.Diagnostics;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Deployment;

/// <summary>One of two instances is killed (SIGKILL) in the middle of a run of sign-ins through nginx.</summary>
[Trait(TestDatabase.Trait, TestDatabase.PostgreSqlOnly)]
public sealed class FailoverTests(ScaleOutDeployment deployment) : IClassFixture<ScaleOutDeployment>
{
    private const int SignIns = 20;
    private const int KillDuring = 6;

    [Fact]
    public async Task killing_one_instance_mid_run_loses_no_committed_data_and_the_other_keeps_serving()
    {
        // Arrange: a user per sign-in (each uses its own TOTP code once).
        for (var i = 0; i < SignIns; i++)
        {
            await deployment.CreateUserAsync($"runner{i}");
        }

        using var backChannelTransport = deployment.Balancer.CreateHandler(cookies: false);
        var client = new OidcClient(deployment.CreateClient(backChannelTransport), ScaleOutDeployment.ClientId, deployment.ClientSecret);
        var clock = Stopwatch.StartNew();
        TimeSpan? killStarted = null, killEnded = null;
        Task? killing = null;
        var completed = new List<(int Index, string RefreshToken)>();
        var failed = new List<(int Index, TimeSpan Started, TimeSpan Ended, string Error)>();

        // Act: sign-ins one after another; instance B dies while sign-in number KillDuring is under way.
        for (var i = 0; i < SignIns; i++)
        {
            if (i == KillDuring)
            {
                killing = Task.Run(async () =>
                {
                    await Task.Delay(100);
                    killStarted = clock.Elapsed;
                    deployment.InstanceB.Kill();
                    killEnded = clock.Elapsed;
                });
            }

            var started = clock.Elapsed;
            try
            {
                using var transport = deployment.Balancer.CreateHandler(cookies: true);
                using var browser = new BrowserClient(deployment.CreateClient(transport)) { Authenticators = deployment.Authenticators };
                var pkce = Pkce.Create();
                var code = await browser.SignInForCodeAsync(client, pkce, $"runner{i}", ScaleOutDeployment.Password, "openid offline_access");
                var tokens = (await client.RedeemCodeAsync(code, pkce.Verifier)).EnsureSuccess();
                completed.Add((i, tokens.RefreshToken!));
            }
#pragma warning disable CA1031 // The sign-in in flight when the instance dies may fail; the assertions below decide.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                failed.Add((i, started, clock.Elapsed, exception.Message));
            }
        }

        await killing!;

        // Assert: B is dead; at most the sign-in that was in flight at the kill failed, and every one after succeeded.
        Assert.True(deployment.InstanceB.HasExited);
        Assert.All(failed, f => Assert.True(f.Started <= killEnded && killStarted <= f.Ended,
            $"Sign-in {f.Index} failed although it was not in flight when the instance died: {f.Error}"));
        Assert.True(failed.Count <= 1, string.Join("; ", failed.Select(f => $"{f.Index}: {f.Error}")));
        Assert.True(completed.Count >= SignIns - 1);

        // No committed data lost: every refresh token handed out, by either instance, still works on the survivor.
        foreach (var (index, refreshToken) in completed)
        {
            var refreshed = await client.RefreshAsync(refreshToken);
            Assert.True(refreshed.Status == 200, $"The refresh token of sign-in {index} was lost: {refreshed.Error} {refreshed.ErrorDescription}");
        }

        Assert.False(deployment.InstanceA.HasExited);
    }
}
