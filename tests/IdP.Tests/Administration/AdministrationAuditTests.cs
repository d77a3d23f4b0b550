using System.Text.Json;
using IdP.Server.Data;
using IdP.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace IdP.Tests.Administration;

/// <summary>
/// Every administrator's change (accounts, clients, scopes, mappings) is in the audit trail, as done by the OS account
/// that ran the command, and no password or client secret ever is.
/// </summary>
public sealed class AdministrationAuditTests(AdminCli cli) : IClassFixture<AdminCli>
{
    private const string Password = "Correct-Horse-9";
    private const string NewPassword = "Battery-Staple-7";
    private const string Registry = "ldaps://idp.example";

    [Fact]
    public async Task each_administration_command_writes_one_audit_event_with_the_administrator_as_actor_and_no_secret()
    {
        // Arrange: a CSV for the import, written where the command can read it.
        var csv = Path.Combine(cli.DataDirectory, "mappings.csv");
        Directory.CreateDirectory(cli.DataDirectory);
        await File.WriteAllTextAsync(csv, "kind,subject,registry,userid\nclient,batch,ldaps://other.example,BATCH\n");

        // Act: a day's worth of administration, in order.
        (await cli.RunWithInputAsync(Password, "users", "add", "quinn", "--email", "quinn@example.com")).EnsureSuccess();
        (await cli.RunAsync("users", "disable", "quinn")).EnsureSuccess();
        (await cli.RunAsync("users", "enable", "quinn")).EnsureSuccess();
        (await cli.RunWithInputAsync(NewPassword, "users", "set-password", "quinn")).EnsureSuccess();
        (await cli.RunAsync("scopes", "add", "payroll", "--resource", "payroll-api")).EnsureSuccess();
        var secret = (await cli.RunAsync("clients", "add", "batch", "--grant", "client_credentials", "--scope", "payroll", "--json"))
            .EnsureSuccess().Json.GetProperty("secret").GetString()!;
        var rotated = (await cli.RunAsync("clients", "rotate-secret", "batch", "--json")).EnsureSuccess().Json.GetProperty("secret").GetString()!;
        (await cli.RunAsync("mappings", "add", "quinn", "--registry", Registry, "--userid", "QUINN1")).EnsureSuccess();
        (await cli.RunAsync("mappings", "import", csv)).EnsureSuccess();
        (await cli.RunAsync("mappings", "remove", "quinn", "--registry", Registry)).EnsureSuccess();
        (await cli.RunAsync("clients", "delete", "batch")).EnsureSuccess();
        (await cli.RunAsync("users", "delete", "quinn")).EnsureSuccess();

        var listed = await cli.RunAsync("audit", "list", "--actor", "cli:", "--json");

        // Assert: newest first, one event per change, each the administrator's and a success.
        var events = listed.EnsureSuccess().Json.EnumerateArray().ToList();
        Assert.Equal(
            [
                "admin.user-delete", "client.delete", "mapping.remove", "mapping.remove", "mapping.import", "mapping.add", "client.rotate-secret",
                "client.add", "scope.add", "admin.set-password", "admin.user-enable", "admin.user-disable", "admin.user-add",
            ],
            events.Select(e => e.GetProperty("type").GetString()));
        Assert.All(events, e => Assert.Equal(AdminCli.Actor, e.GetProperty("actor").GetString()));
        Assert.All(events, e => Assert.Equal("success", e.GetProperty("outcome").GetString()));

        // Subjects: users by name and id (even once deleted), clients by client id.
        // Of two events of one type, the earlier: the second mapping.remove is batch's, removed with the client.
        var byType = events.GroupBy(e => e.GetProperty("type").GetString()!).ToDictionary(g => g.Key, g => g.Last());
        Assert.Equal("batch", events[2].GetProperty("clientId").GetString());
        Assert.Equal("quinn", byType["admin.user-delete"].GetProperty("userName").GetString());
        Assert.Equal("quinn", byType["mapping.add"].GetProperty("userName").GetString());
        Assert.Contains("QUINN1", byType["mapping.remove"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("batch", byType["mapping.import"].GetProperty("clientId").GetString());
        Assert.Contains("'ldaps://other.example' -> BATCH", byType["mapping.import"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("batch", byType["client.rotate-secret"].GetProperty("clientId").GetString());
        Assert.Contains("secret generated", byType["client.add"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("payroll-api", byType["scope.add"].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, byType["admin.user-add"].GetProperty("ipAddress").ValueKind);

        // No secret anywhere: not in what audit list prints, not in any column of any stored row.
        var rows = await cli.Server.AdministerAsync(async services => (await services.GetRequiredService<IdpDbContext>().AuditEvents.AsNoTracking().ToListAsync())
            .Select(e => string.Join('|', e.Type, e.Actor, e.UserId, e.UserName, e.Factor, e.ClientId, e.IpAddress, e.UserAgent, e.Outcome, e.Reason)).ToList());
        foreach (var secretValue in new[] { Password, NewPassword, secret, rotated })
        {
            Assert.DoesNotContain(secretValue, listed.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(rows, row => row.Contains(secretValue, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task a_change_made_through_the_server_s_own_services_is_audited_as_the_system()
    {
        // Arrange: what runs inside the server process without a web request (e.g. the demo seed) acts as IdP itself.
        await cli.Server.AdministerAsync(services => services.GetRequiredService<IdP.Server.Administration.UserAdministration>()
            .AddAsync("seeded", null, Password));

        // Act
        var events = (await cli.RunAsync("audit", "list", "--user", "seeded", "--json")).EnsureSuccess().Json.EnumerateArray().ToList();

        // Assert
        var added = Assert.Single(events);
        Assert.Equal("admin.user-add", added.GetProperty("type").GetString());
        Assert.Equal("system", added.GetProperty("actor").GetString());
    }
}
