using IdP.Server.Administration;
using IdP.Server.Data;
using IdP.Server.Keys;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IdP.Tests.Keys;

/// <summary>
/// Rotation the mainframe gateway survives: it fetches the JWKS at start-up and then hourly, never on an unknown
/// kid, and checks exp with zero skew. Times move with the test clock; defaults: pre-publication 01:15:00.
/// </summary>
public sealed class KeyRotationTests
{
    private static readonly TimeSpan PrePublication = TimeSpan.FromMinutes(75);
    private static readonly TimeSpan GatewayRefresh = TimeSpan.FromHours(1);

    [Fact]
    public async Task the_gateway_validates_tokens_signed_before_and_after_the_switch_with_the_one_jwks_it_fetched_before_the_switch()
    {
        using var idp = new IdpFactory();
        var client = await ServiceClientAsync(idp);
        var oldKid = (await TokenVerifier.FetchJwksAsync(idp.CreateClient())).Keys.Single().Kid;

        var rotation = await RotateAsync(idp);

        // Worst case for the gateway: its last fetch was just before the rotation, so its next one is an hour later.
        idp.Clock.Advance(GatewayRefresh);
        var gatewayJwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        idp.Clock.Advance(PrePublication - GatewayRefresh - TimeSpan.FromMinutes(1));
        var before = await client.ClientCredentialsAsync();
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        var after = await client.ClientCredentialsAsync();

        var beforeToken = await TokenVerifier.VerifyAsync(gatewayJwks, before.EnsureSuccess().AccessToken!, "at+jwt");
        var afterToken = await TokenVerifier.VerifyAsync(gatewayJwks, after.EnsureSuccess().AccessToken!, "at+jwt");
        Assert.Equal(oldKid, beforeToken.Kid);
        Assert.Equal(rotation.Key.Kid, afterToken.Kid);
        Assert.NotEqual(oldKid, rotation.Key.Kid);
    }

    [Fact]
    public async Task a_pre_published_key_is_in_the_jwks_at_once_but_signs_only_from_its_activation_time()
    {
        using var idp = new IdpFactory();
        var client = await ServiceClientAsync(idp);
        var oldKid = (await TokenVerifier.FetchJwksAsync(idp.CreateClient())).Keys.Single().Kid;

        var rotation = await RotateAsync(idp);
        var jwks = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var rightAway = await client.ClientCredentialsAsync();
        idp.Clock.Advance(PrePublication - TimeSpan.FromMinutes(1));
        var justBefore = await client.ClientCredentialsAsync();
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        var justAfter = await client.ClientCredentialsAsync();

        Assert.Equal(rotation.Key.CreatedAt + PrePublication, rotation.Key.ActivatesAt);
        Assert.Equal(new[] { oldKid, rotation.Key.Kid }.Order(StringComparer.Ordinal), jwks.Keys.Select(k => k.Kid).Order(StringComparer.Ordinal));
        Assert.Equal(oldKid, Kid(rightAway));
        Assert.Equal(oldKid, Kid(justBefore));
        Assert.Equal(rotation.Key.Kid, Kid(justAfter));

        // IdP's own validation (introspection) knows the new key as well.
        var introspection = await client.SendAsync("/connect/introspect", ("token", justAfter.AccessToken));
        Assert.True(introspection.Json.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task the_old_key_stays_in_the_jwks_until_the_tokens_it_signed_have_expired_and_then_disappears()
    {
        using var idp = new IdpFactory();
        var client = await ServiceClientAsync(idp);
        var rotation = await RotateAsync(idp);
        var old = rotation.Previous!;

        idp.Clock.Advance(PrePublication - TimeSpan.FromMinutes(1));
        var lastOldToken = (await client.ClientCredentialsAsync()).EnsureSuccess().AccessToken!;
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        var afterSwitch = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        var states = await StatesAsync(idp);
        idp.Clock.Advance(old.ExpiresAt!.Value - idp.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        var justBeforeExpiry = await TokenVerifier.FetchJwksAsync(idp.CreateClient());
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        var afterExpiry = await TokenVerifier.FetchJwksAsync(idp.CreateClient());

        // The last token the old key signed expires 10 minutes after the switch; refresh tokens (8 h) too are signed.
        Assert.Equal(rotation.Key.ActivatesAt, old.RetiresAt);
        Assert.True(old.ExpiresAt >= old.RetiresAt + TimeSpan.FromHours(8), $"expires {old.ExpiresAt:u}, retires {old.RetiresAt:u}");
        Assert.Equal(old.Kid, (await TokenVerifier.VerifyAsync(afterSwitch, lastOldToken, "at+jwt")).Kid);
        Assert.Equal(KeySchedule.Retired, states[old.Kid]);
        Assert.Equal(KeySchedule.Active, states[rotation.Key.Kid]);
        Assert.Contains(old.Kid, justBeforeExpiry.Keys.Select(k => k.Kid));
        Assert.Equal([rotation.Key.Kid], afterExpiry.Keys.Select(k => k.Kid));
    }

    [Fact]
    public async Task keys_rotate_publishes_a_pending_key_and_refuses_a_second_rotation_while_it_is_pending()
    {
        using var cli = new AdminCli();
        var oldKid = (await cli.RunAsync("keys", "list", "--json")).EnsureSuccess().Json.EnumerateArray()
            .Single(k => k.GetProperty("use").GetString() == "sig").GetProperty("kid").GetString();

        var rotated = (await cli.RunAsync("keys", "rotate", "--json")).EnsureSuccess().Json;
        var again = await cli.RunAsync("keys", "rotate");
        var listed = (await cli.RunAsync("keys", "list", "--json")).EnsureSuccess().Json.EnumerateArray()
            .Where(k => k.GetProperty("use").GetString() == "sig")
            .ToDictionary(k => k.GetProperty("kid").GetString()!, k => k.GetProperty("state").GetString());
        var table = (await cli.RunAsync("keys", "list")).EnsureSuccess().Stdout;
        var jwks = await TokenVerifier.FetchJwksAsync(cli.Server.CreateClient());

        var newKid = rotated.GetProperty("key").GetProperty("kid").GetString()!;
        Assert.Equal(oldKid, rotated.GetProperty("previous").GetProperty("kid").GetString());
        Assert.Equal(rotated.GetProperty("key").GetProperty("activatesAt").GetDateTimeOffset(),
            rotated.GetProperty("previous").GetProperty("retiresAt").GetDateTimeOffset());
        Assert.Contains("already pending", again.AssertRefused(), StringComparison.Ordinal);
        Assert.Equal(KeySchedule.Pending, listed[newKid]);
        Assert.Equal(KeySchedule.Active, listed[oldKid!]);
        Assert.Contains(table.Split('\n'), line => line.StartsWith(newKid + "  pending ", StringComparison.Ordinal));
        Assert.Contains(newKid, jwks.Keys.Select(k => k.Kid));

        // The rotation is audited once (the refused one changed nothing), as the administrator's.
        var audited = Assert.Single((await cli.RunAsync("audit", "list", "--type", "key.", "--json")).EnsureSuccess().Json.EnumerateArray());
        Assert.Equal("key.rotate", audited.GetProperty("type").GetString());
        Assert.Equal(AdminCli.Actor, audited.GetProperty("actor").GetString());
        Assert.Equal("success", audited.GetProperty("outcome").GetString());
        Assert.StartsWith($"manual: new signing key {newKid} ", audited.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains($"; {oldKid} stops signing then", audited.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task scheduled_rotation_happens_by_itself_after_the_interval_and_once_with_two_instances_on_one_database()
    {
        var dataDirectory = IdpFactory.NewDataDirectory();
        var settings = new Dictionary<string, string?> { ["Keys:RefreshInterval"] = "00:00:00.200" };
        using var first = IdpFactory.On(dataDirectory, settings);
        using var second = IdpFactory.On(dataDirectory, settings, keepData: true);
        await ServiceClientAsync(first);
        await ServiceClientAsync(second, "svc2");

        first.Clock.Advance(TimeSpan.FromDays(89));
        second.Clock.Advance(TimeSpan.FromDays(89));
        await Task.Delay(TimeSpan.FromSeconds(1)); // several refreshes of each instance
        var beforeInterval = await SigningKeysAsync(first);
        first.Clock.Advance(TimeSpan.FromDays(2));
        second.Clock.Advance(TimeSpan.FromDays(2));
        var rotated = await EventuallyAsync(() => SigningKeysAsync(first), keys => keys.Count > 1);
        await Task.Delay(TimeSpan.FromSeconds(1)); // both instances have checked again since
        var afterInterval = await SigningKeysAsync(second);

        Assert.Single(beforeInterval);
        Assert.Equal(2, rotated.Count);
        Assert.Equal(2, afterInterval.Count);
        var pending = Assert.Single(afterInterval, k => k.ActivatesAt > second.Clock.GetUtcNow());
        Assert.Equal(pending.CreatedAt + PrePublication, pending.ActivatesAt);

        // Audited once, by whichever instance rotated, as IdP's own action.
        var audited = Assert.Single(await first.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents
            .AsNoTracking().Where(e => e.Type == "key.rotate").ToListAsync()));
        Assert.Equal("system", audited.Actor);
        Assert.StartsWith($"scheduled: new signing key {pending.Id} ", audited.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task a_key_rotated_on_one_instance_is_published_and_then_used_by_the_other_after_its_refresh()
    {
        var dataDirectory = IdpFactory.NewDataDirectory();
        var settings = new Dictionary<string, string?> { ["Keys:RefreshInterval"] = "00:00:00.200" };
        using var first = IdpFactory.On(dataDirectory, settings);
        using var second = IdpFactory.On(dataDirectory, settings, keepData: true);
        await ServiceClientAsync(first);
        var client = await ServiceClientAsync(second, "svc2");

        var rotation = await RotateAsync(first);
        var published = await EventuallyAsync(
            () => TokenVerifier.FetchJwksAsync(second.CreateClient()), jwks => jwks.Keys.Any(k => k.Kid == rotation.Key.Kid));
        second.Clock.Advance(PrePublication + TimeSpan.FromMinutes(1));
        var token = (await client.ClientCredentialsAsync()).EnsureSuccess().AccessToken!;

        Assert.Equal(2, published.Keys.Count);
        Assert.Equal(rotation.Key.Kid, (await TokenVerifier.VerifyAsync(published, token, "at+jwt")).Kid);
    }

    private static async Task<OidcClient> ServiceClientAsync(IdpFactory idp, string clientId = "svc")
    {
        var secret = await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], []));
        return new OidcClient(idp.CreateClient(), clientId, secret);
    }

    private static Task<RotationResult> RotateAsync(IdpFactory idp)
        => idp.AdministerAsync(services => services.GetRequiredService<KeyRotation>().RotateAsync());

    private static string Kid(TokenResponse response) => new JsonWebToken(response.EnsureSuccess().AccessToken).Kid;

    private static async Task<Dictionary<string, string>> StatesAsync(IdpFactory idp)
        => (await idp.AdministerAsync(services => services.GetRequiredService<SigningKeyRing>().ListAsync(services.GetRequiredService<IdpDbContext>())))
            .ToDictionary(k => k.Kid, k => k.State);

    private static Task<List<SigningKey>> SigningKeysAsync(IdpFactory idp)
        => idp.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().SigningKeys.AsNoTracking()
            .Where(k => k.Use == SigningKey.SignatureUse).ToListAsync());

    /// <summary>Polls until <paramref name="done"/> (background refreshes run on real time), failing after 15 s.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}
