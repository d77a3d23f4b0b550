using IdP.Tests.Infrastructure;

namespace IdP.Tests.Administration;

/// <summary><c>clients add --mfa-policy</c>: stored, shown, and refused where tokens reach the mainframe gateway.</summary>
public sealed class ClientMfaPolicyCommandTests(AdminCli cli) : IClassFixture<AdminCli>
{
    [Fact]
    public async Task clients_add_with_mfa_policy_phishing_resistant_is_shown_by_clients_show_and_list()
    {
        // Act
        var added = await cli.RunAsync("clients", "add", "web", "--public", "--redirect-uri", "https://app.example/cb", "--scope", "openid",
            "--mfa-policy", "phishing_resistant");

        // Assert
        added.EnsureSuccess();
        Assert.Contains("MFA policy: phishing_resistant", added.Stdout, StringComparison.Ordinal);
        Assert.Equal("phishing_resistant", (await cli.RunAsync("clients", "show", "web", "--json")).EnsureSuccess().Json.GetProperty("mfaPolicy").GetString());
        Assert.Contains("phishing_resistant", (await cli.RunAsync("clients", "show", "web")).Stdout, StringComparison.Ordinal);

        var table = (await cli.RunAsync("clients", "list")).EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var row = Assert.Single(table, line => line.StartsWith("web ", StringComparison.Ordinal));
        Assert.Equal(table[0].IndexOf("MFA POLICY", StringComparison.Ordinal), row.IndexOf("phishing_resistant", StringComparison.Ordinal));
    }

    [Fact]
    public async Task clients_add_without_mfa_policy_requires_mfa()
    {
        (await cli.RunAsync("clients", "add", "intranet", "--public", "--redirect-uri", "https://intranet.example/cb", "--scope", "openid")).EnsureSuccess();

        Assert.Equal("mfa", (await cli.RunAsync("clients", "show", "intranet", "--json")).Json.GetProperty("mfaPolicy").GetString());
    }

    [Fact]
    public async Task clients_add_with_an_unknown_mfa_policy_exits_2_and_registers_nothing()
    {
        var result = await cli.RunAsync("clients", "add", "odd", "--public", "--redirect-uri", "https://odd.example/cb", "--mfa-policy", "bogus");

        Assert.Contains("'bogus'", result.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "odd")).AssertRefused();
    }

    [Fact]
    public async Task clients_add_with_mfa_policy_none_is_refused_naming_the_gateway_audience_its_scopes_reach()
    {
        (await cli.RunAsync("scopes", "add", "zowe", "--resource", "zowe-gateway")).EnsureSuccess();
        (await cli.RunAsync("scopes", "add", "reports", "--resource", "reports-api")).EnsureSuccess();

        var gateway = await cli.RunAsync("clients", "add", "svc", "--grant", "client_credentials", "--scope", "zowe", "--mfa-policy", "none");
        var elsewhere = await cli.RunAsync("clients", "add", "kiosk", "--public", "--redirect-uri", "https://kiosk.example/cb",
            "--scope", "openid", "reports", "--mfa-policy", "none", "--json");

        Assert.Contains("'zowe-gateway'", gateway.AssertRefused(), StringComparison.Ordinal);
        (await cli.RunAsync("clients", "show", "svc")).AssertRefused();
        Assert.Equal("none", elsewhere.EnsureSuccess().Json.GetProperty("mfaPolicy").GetString());
    }
}
