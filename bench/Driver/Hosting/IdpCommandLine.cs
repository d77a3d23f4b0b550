using System.Diagnostics;
using System.Text.Json;

namespace IdP.Bench.Hosting;

/// <summary>IdP's own administration verbs (the server binary with a verb), run against the bench database.</summary>
public sealed class IdpCommandLine(string serverDll, IReadOnlyDictionary<string, string> environment)
{
    /// <summary>Runs <c>dotnet IdP.Server.dll ARGS --json</c>, with <paramref name="input"/> as standard input; returns the JSON.</summary>
    public async Task<JsonElement> RunAsync(string? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(serverDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--json");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new Suite.BenchException("Could not start the IdP command line.");
        if (input is not null)
        {
            await process.StandardInput.WriteLineAsync(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new Suite.BenchException($"idp {arguments[0]} {arguments.ElementAtOrDefault(1)} failed ({process.ExitCode}): {(await error).Trim()}");
        }

        using var document = JsonDocument.Parse(await output);
        return document.RootElement.Clone();
    }
}
