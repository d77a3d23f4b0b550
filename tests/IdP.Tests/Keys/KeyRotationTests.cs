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

    /// <summary>
    /// For each set, with a token that set signs (a service token for the gateway audience, or one for IdP's default
    /// audience), fetched from that set's JWKS: the relying party never meets an unknown kid.
    /// </summary>
    [Theory]
    [InlineData(SigningKey.GeneralSet)]
    [InlineData(SigningKey.GatewaySet)]
    public async Task a_relying_party_validates_tokens_signed_before_and_after_the_switch_with_the_one_jwks_it_fetched_before_the_switch(string set)
    {
        using var idp = new IdpFactory();
        var client = await ServiceClientAsync(idp, gateway: set == SigningKey.GatewaySet);
        var oldKid = (await JwksAsync(idp, set)).Keys.Single().Kid;
        var otherSetKid = (await JwksAsync(idp, Other(set))).Keys.Single().Kid;

        var rotation = await RotateAsync(idp, set);

        // Worst case for the gateway: its last fetch was just before the rotation, so its next one is an hour later.
        idp.Clock.Advance(GatewayRefresh);
        var relyingPartyJwks = await JwksAsync(idp, set);
        idp.Clock.Advance(PrePublication - GatewayRefresh - TimeSpan.FromMinutes(1));
        var before = await client.ClientCredentialsAsync(Scope(set));
        idp.Clock.Advance(TimeSpan.FromMinutes(2));
        var after = await client.ClientCredentialsAsync(Scope(set));

        var beforeToken = await TokenVerifier.VerifyAsync(relyingPartyJwks, before.EnsureSuccess().AccessToken!, "at+jwt");
        var afterToken = await TokenVerifier.VerifyAsync(relyingPartyJwks, after.EnsureSuccess().AccessToken!, "at+jwt");
        Assert.Equal(oldKid, beforeToken.Kid);
        Assert.Equal(rotation.Key.Kid, afterToken.Kid);
        Assert.NotEqual(oldKid, rotation.Key.Kid);
        Assert.Equal(set, rotation.Key.Set);

        // The other set is untouched, and neither JWKS ever lists a key of the other set.
        Assert.Equal([otherSetKid], (await JwksAsync(idp, Other(set))).Keys.Select(k => k.Kid));
        Assert.DoesNotContain(otherSetKid, relyingPartyJwks.Keys.Select(k => k.Kid));
    }

    private static Task<Microsoft.IdentityModel.Tokens.JsonWebKeySet> JwksAsync(IdpFactory idp, string set)
        => set == SigningKey.GatewaySet ? TokenVerifier.FetchGatewayJwksAsync(idp.CreateClient()) : TokenVerifier.FetchJwksAsync(idp.CreateClient());

    private static string Other(string set) => set == SigningKey.GatewaySet ? SigningKey.GeneralSet : SigningKey.GatewaySet;

    private static string? Scope(string set) => set == SigningKey.GatewaySet ? "zowe" : null;

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
            .Single(k => k.GetProperty("use").GetString() == "sig" && k.GetProperty("set").GetString() == "gateway").GetProperty("kid").GetString();

        var rotated = (await cli.RunAsync("keys", "rotate", "--set", "gateway", "--json")).EnsureSuccess().Json;
        var again = await cli.RunAsync("keys", "rotate", "--set", "gateway");
        var unknownSet = await cli.RunAsync("keys", "rotate", "--set", "mainframe");
        var listed = (await cli.RunAsync("keys", "list", "--json")).EnsureSuccess().Json.EnumerateArray()
            .Where(k => k.GetProperty("use").GetString() == "sig")
            .ToDictionary(k => k.GetProperty("kid").GetString()!, k => k.GetProperty("state").GetString());
        var table = (await cli.RunAsync("keys", "list")).EnsureSuccess().Stdout;
        var jwks = await TokenVerifier.FetchGatewayJwksAsync(cli.Server.CreateClient());
        var generalJwks = await TokenVerifier.FetchJwksAsync(cli.Server.CreateClient());

        var newKid = rotated.GetProperty("key").GetProperty("kid").GetString()!;
        Assert.Equal(oldKid, rotated.GetProperty("previous").GetProperty("kid").GetString());
        Assert.Equal(rotated.GetProperty("key").GetProperty("activatesAt").GetDateTimeOffset(),
            rotated.GetProperty("previous").GetProperty("retiresAt").GetDateTimeOffset());
        Assert.Contains("already pending", again.AssertRefused(), StringComparison.Ordinal);
        Assert.NotEqual(0, unknownSet.ExitCode);
        Assert.Equal(3, listed.Count); // the general key, and the gateway set's two
        Assert.Equal(KeySchedule.Pending, listed[newKid]);
        Assert.Equal(KeySchedule.Active, listed[oldKid!]);
        Assert.Contains(table.Split('\n'), line => line.StartsWith(newKid + "  pending ", StringComparison.Ordinal) && line.Contains(" gateway ", StringComparison.Ordinal));
        Assert.Contains(newKid, jwks.Keys.Select(k => k.Kid));
        Assert.DoesNotContain(newKid, generalJwks.Keys.Select(k => k.Kid));

        // The rotation is audited once (the refused one changed nothing), as the administrator's.
        var audited = Assert.Single((await cli.RunAsync("audit", "list", "--type", "key.", "--json")).EnsureSuccess().Json.EnumerateArray());
        Assert.Equal("key.rotate", audited.GetProperty("type").GetString());
        Assert.Equal(AdminCli.Actor, audited.GetProperty("actor").GetString());
        Assert.Equal("success", audited.GetProperty("outcome").GetString());
        Assert.StartsWith($"manual: new gateway signing key {newKid} ", audited.GetProperty("reason").GetString(), StringComparison.Ordinal);
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
        var rotated = await EventuallyAsync(() => SigningKeysAsync(first), keys => keys.Count >= 4);
        await Task.Delay(TimeSpan.FromSeconds(1)); // both instances have checked again since
        var afterInterval = await SigningKeysAsync(second);

        // One key per set before; each set rotated once, though two instances found rotation due.
        Assert.Equal(2, beforeInterval.Count);
        Assert.Equal(4, rotated.Count);
        Assert.Equal(4, afterInterval.Count);
        var pending = afterInterval.Where(k => k.ActivatesAt > second.Clock.GetUtcNow()).ToList();
        Assert.Equal(["gateway", "general"], pending.Select(k => k.Set).Order(StringComparer.Ordinal));
        Assert.All(pending, key => Assert.Equal(key.CreatedAt + PrePublication, key.ActivatesAt));

        // Audited once per set, by whichever instance rotated, as IdP's own action.
        var audited = await first.AdministerAsync(services => services.GetRequiredService<IdpDbContext>().AuditEvents
            .AsNoTracking().Where(e => e.Type == "key.rotate").ToListAsync());
        Assert.Equal(2, audited.Count);
        Assert.All(audited, e => Assert.Equal("system", e.Actor));
        foreach (var key in pending)
        {
            Assert.Contains(audited, e => e.Reason!.StartsWith($"scheduled: new {key.Set} signing key {key.Id} ", StringComparison.Ordinal));
        }
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

    /// <summary>A service client; with <paramref name="gateway"/>, allowed the "zowe" scope of the gateway audience.</summary>
    private static async Task<OidcClient> ServiceClientAsync(IdpFactory idp, string clientId = "svc", bool gateway = false)
    {
        if (gateway)
        {
            await Clients.ServiceClients.AddScopeAsync(idp, "zowe", "zowe-gateway");
        }

        var secret = await idp.CreateClientAsync(new ClientSpec(clientId, ClientKind.Confidential, [GrantTypes.ClientCredentials], [], [], gateway ? ["zowe"] : []));
        return new OidcClient(idp.CreateClient(), clientId, secret);
    }

    private static Task<RotationResult> RotateAsync(IdpFactory idp, string set = SigningKey.GeneralSet)
        => idp.AdministerAsync(services => services.GetRequiredService<KeyRotation>().RotateAsync(set));

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
