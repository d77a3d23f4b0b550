using System.Text.RegularExpressions;
using IdP.Server.Mainframe;
using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mainframe;

/// <summary><c>mappings export</c>: the exact ESM commands, quoted and continued as TSO needs them.</summary>
public sealed class MappingExportTests
{
    public static TheoryData<string, string> Expected => new()
    {
        {
            "racf", """
            RACMAP ID(BATCH1) MAP USERDIDFILTER(NAME('batch-reports')) -
              REGISTRY(NAME('ldaps://idp.example')) WITHLABEL('O''Brien''s batch')
            RACMAP ID(PAYROLL1) MAP USERDIDFILTER(NAME('payroll')) -
              REGISTRY(NAME('ldaps://idp.example')) WITHLABEL('payroll')
            SETROPTS RACLIST(IDIDMAP) REFRESH

            """
        },
        {
            "acf2", """
            ACF
            SET PROFILE(USER) DIVISION(IDMAP)
            INSERT BATCH1.IDP00001 IDMAPDN(batch-reports) -
              IDMAPRN(ldaps://idp.example) IDLABEL('O''Brien''s batch')
            INSERT PAYROLL1.IDP00002 IDMAPDN(payroll) -
              IDMAPRN(ldaps://idp.example) IDLABEL(payroll)
            END

            """
        },
        {
            "tss", """
            TSS ADDTO(BATCH1) IDMAP(IDP00001) IDMAPDN('batch-reports') -
              IDMAPRN('ldaps://idp.example') IDLABEL('O''Brien''s batch')
            TSS ADDTO(PAYROLL1) IDMAP(IDP00002) IDMAPDN('payroll') -
              IDMAPRN('ldaps://idp.example') IDLABEL('payroll')

            """
        },
    };

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task export_writes_the_exact_esm_commands_with_apostrophes_doubled(string format, string expected)
    {
        using var cli = new AdminCli();
        await MapAsync(cli, "batch-reports", "ldaps://idp.example", "BATCH1", "O'Brien's batch");
        await MapAsync(cli, "payroll", "ldaps://idp.example", "PAYROLL1");
        await MapAsync(cli, "elsewhere", "ldaps://other.example", "OTHER1");

        var result = (await cli.RunAsync("mappings", "export", "--format", format, "--registry", "ldaps://idp.example")).EnsureSuccess();

        Assert.Equal(expected.ReplaceLineEndings("\n"), result.Stdout.ReplaceLineEndings("\n"));
        Assert.All(result.Stdout.Split('\n'), line => Assert.True(line.Length <= TsoCommandWriter.Width, line));
    }

    [Fact]
    public async Task export_refuses_a_label_that_is_not_printable_ascii_and_says_which()
    {
        using var cli = new AdminCli();
        await MapAsync(cli, "lohn", "ldaps://idp.example", "LOHN", "Müller");

        var error = (await cli.RunAsync("mappings", "export", "--format", "racf")).AssertRefused();

        Assert.Contains("the label 'Müller' of LOHN has characters other than printable ASCII", error, StringComparison.Ordinal);
    }

    [Fact]
    public void a_value_longer_than_a_line_is_cut_with_a_hyphen_and_resumed_in_column_1()
    {
        var name = "uid=" + new string('a', 90) + ",ou=batch";
        var writer = new TsoCommandWriter();

        writer.Command("RACMAP", "ID(BATCH)", "MAP", $"USERDIDFILTER(NAME('{name}'))", "REGISTRY(NAME('r'))");

        var lines = writer.ToString().TrimEnd('\n').Split('\n');
        Assert.All(lines, line => Assert.True(line.Length <= TsoCommandWriter.Width, line));
        Assert.Equal("RACMAP ID(BATCH) MAP -", lines[0]);
        Assert.EndsWith("-", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("  USERDIDFILTER(NAME('uid=aaa", lines[1], StringComparison.Ordinal);

        // Joined as TSO joins them (the hyphen dropped, the next line appended as it is), the command is what was
        // written: runs of blanks between words are delimiters like one blank, and the name itself has none.
        var joined = string.Concat(lines.Select(l => l[..^(l.EndsWith('-') ? 1 : 0)]));
        Assert.Equal($"RACMAP ID(BATCH) MAP USERDIDFILTER(NAME('{name}')) REGISTRY(NAME('r'))", Regex.Replace(joined, " +", " "));
    }

    private static async Task MapAsync(AdminCli cli, string client, string registry, string userId, string? label = null)
    {
        (await cli.RunAsync("clients", "add", client, "--grant", "client_credentials")).EnsureSuccess();
        string[] args = ["mappings", "add", client, "--client", "--registry", registry, "--userid", userId];
        (await cli.RunAsync(label is null ? args : [.. args, "--label", label])).EnsureSuccess();
    }
}
