using IdP.Tests.Infrastructure;

namespace IdP.Tests.Mainframe;

/// <summary><c>mappings import</c>: one transaction, all rows or none, every bad row reported by its line.</summary>
public sealed class MappingImportTests : IDisposable
{
    private readonly AdminCli _cli = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("idp-import-").FullName;

    [Fact]
    public async Task an_import_with_one_bad_row_changes_nothing_and_reports_that_rows_line()
    {
        await SeedAsync();
        var rowsBefore = await MappingStore.RowsAsync(_cli);
        var stampBefore = await MappingStore.ChangeStampAsync(_cli);
        var file = Write("""
            kind,subject,registry,userid,label
            user,grace,ldaps://idp.example,GRACE,"Grace, the admin"
            client,ledger,ldaps://idp.example,LEDGER,
            user,heidi,ldaps://idp.example,ZOS USER,
            """);

        var result = await _cli.RunAsync("mappings", "import", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "line 4: 'ZOS USER' is not a valid mainframe user ID (1-8 of A-Z 0-9 # $ @, not starting with a digit).\n",
            result.Stdout.ReplaceLineEndings("\n"));
        Assert.Equal($"error: '{file}' has 1 bad row(s); nothing was imported.", Assert.Single(result.ErrorLines));
        Assert.Equal(rowsBefore, await MappingStore.RowsAsync(_cli));
        Assert.Equal(stampBefore, await MappingStore.ChangeStampAsync(_cli));
    }

    [Fact]
    public async Task an_import_reports_every_bad_row_unknown_names_duplicates_conflicts_and_malformed_csv()
    {
        await SeedAsync();
        (await _cli.RunAsync("mappings", "add", "grace", "--registry", "ldaps://idp.example", "--userid", "GRACE")).EnsureSuccess();
        var file = Write("""
            kind,subject,registry,userid
            user,grace,ldaps://idp.example,GRACE2
            user,nobody,ldaps://idp.example,NOBODY
            client,ledger,ldaps://idp.example,LEDGER
            client,ledger,ldaps://idp.example,LEDGER2
            user,heidi,,HEIDI
            user,heidi,"ldaps://idp.example"x,HEIDI
            robot,heidi,ldaps://idp.example,HEIDI
            user,heidi,ldaps://idp.example
            user,heidi,"ldaps://two
            lines.example",HEIDI
            user,nobody2,ldaps://idp.example,NOBODY
            """);

        var result = await _cli.RunAsync("mappings", "import", file, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
        [
            (2, "'grace' is already mapped in registry 'ldaps://idp.example'; remove that mapping first."),
            (3, "No user named 'nobody'."),
            (5, "'ledger' is mapped in registry 'ldaps://idp.example' twice (also on line 4)."),
            (6, "The registry is blank; it must be 1-255 UTF-8 bytes."),
            (7, "A quoted field must end at a comma or the end of the line (RFC 4180)."),
            (8, "The kind 'robot' must be 'user' or 'client'."),
            (9, "The row has 3 fields where the header has 4."),
            (10, "The registry 'ldaps://two??lines.example' is not valid (1-255 UTF-8 bytes, only printing characters)."),
            (12, "No user named 'nobody2'."), // the quoted line break above counts as a line
        ], RowErrors(result));
        Assert.Equal(0, result.Json.GetProperty("imported").GetInt32());
        Assert.Single(await MappingStore.RowsAsync(_cli)); // only grace's mapping, added before the import
    }

    [Fact]
    public async Task an_import_refuses_identities_and_registries_api_ml_could_not_send_intact()
    {
        await SeedAsync();
        (await _cli.RunAsync("clients", "add", "caf\u00e9", "--grant", "client_credentials")).EnsureSuccess();
        var file = Write("""
            kind,subject,registry,userid
            client,café,ldaps://idp.example,CAFE
            user,grace,ldaps://idp.exämple,GRACE
            user,heidi,ldaps://idp.example,HEIDI
            """);

        var result = await _cli.RunAsync("mappings", "import", file, "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
        [
            (2, "The distributed identity of 'café' has characters other than printable ASCII; API ML sends it to the mapper as ISO-8859-1, so it could never be looked up."),
            (3, "The registry 'ldaps://idp.exämple' has characters other than printable ASCII; API ML sends the registry to the mapper as ISO-8859-1, so it could never be looked up."),
        ], RowErrors(result));
        Assert.Empty(await MappingStore.RowsAsync(_cli));
    }

    [Fact]
    public async Task a_good_import_adds_every_row_in_one_change_and_keeps_quoted_commas_and_quotes()
    {
        await SeedAsync();
        var stampBefore = await MappingStore.ChangeStampAsync(_cli);
        var file = Write("""
            kind,subject,registry,userid,label
            user,grace@example.com,ldaps://idp.example,grace,"Grace, ""the"" admin"
            client,ledger,ldaps://idp.example,LEDGER,
            user,heidi,ldaps://idp.example,#HEIDI,
            """);

        var result = (await _cli.RunAsync("mappings", "import", file)).EnsureSuccess();

        Assert.Contains("Imported 3 mapping(s)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(stampBefore + 1, await MappingStore.ChangeStampAsync(_cli)); // one transaction, one bump
        var graceId = (await _cli.RunAsync("users", "show", "grace", "--json")).Json.GetProperty("id").GetString();
        var heidiId = (await _cli.RunAsync("users", "show", "heidi", "--json")).Json.GetProperty("id").GetString();
        Assert.Equal(
        [
            $"{graceId}|ldaps://idp.example|GRACE|user|Grace, \"the\" admin",
            "ledger|ldaps://idp.example|LEDGER|client|ledger",
            $"{heidiId}|ldaps://idp.example|#HEIDI|user|heidi",
        ], await MappingStore.RowsAsync(_cli));
    }

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task SeedAsync()
    {
        (await _cli.RunWithInputAsync("Correct-Horse-9\n", "users", "add", "grace", "--email", "grace@example.com")).EnsureSuccess();
        (await _cli.RunWithInputAsync("Correct-Horse-9\n", "users", "add", "heidi")).EnsureSuccess();
        (await _cli.RunAsync("clients", "add", "ledger", "--grant", "client_credentials")).EnsureSuccess();
    }

    /// <summary>The bad rows <c>--json</c> reported, as (line, message).</summary>
    private static List<(int, string?)> RowErrors(CliResult result)
        => [.. result.Json.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("message").GetString()))];

    private string Write(string csv)
    {
        var path = Path.Combine(_folder, "mappings.csv");
        File.WriteAllText(path, csv.ReplaceLineEndings("\r\n") + "\r\n");
        return path;
    }
}
