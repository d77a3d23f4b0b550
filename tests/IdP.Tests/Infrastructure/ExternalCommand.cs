using System.Diagnostics;

namespace IdP.Tests.Infrastructure;

/// <summary>Runs a helper program (initdb, pg_ctl, nginx -t) to completion, keeping what it printed.</summary>
internal static class ExternalCommand
{
    public static (int ExitCode, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        // Both streams are drained together, so a program filling one pipe never blocks on it.
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, error.Result + output.Result);
    }

    /// <summary>As <see cref="Run"/>, failing with what the program printed when it exits non-zero.</summary>
    public static void RunOrThrow(string program, params string[] args)
    {
        var (exitCode, output) = Run(program, args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({exitCode}): {output}");
        }
    }
}
