using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace IdP.Bench.Suite;

/// <summary>What the numbers were measured on, for the report: a busy machine shows in the load averages.</summary>
public sealed record MachineInfo(
    int Cores, string CpuModel, string Kernel, string DotnetRuntime, string DotnetSdk, string NodeVersion, string WrkVersion,
    string LoadBefore, string LoadAfter, DateTimeOffset Date)
{
    public static async Task<MachineInfo> ReadAsync()
    {
        var cpuinfo = await File.ReadAllLinesAsync("/proc/cpuinfo");
        var cores = cpuinfo.Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        var model = cpuinfo.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        return new MachineInfo(
            cores, model, (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease")).Trim(), RuntimeInformation.FrameworkDescription,
            await VersionOfAsync("dotnet", "--version"), await VersionOfAsync("node", "--version"), await VersionOfAsync("wrk", "--version"),
            await LoadAverageAsync(), "", DateTimeOffset.UtcNow);
    }

    public static async Task<string> LoadAverageAsync()
        => string.Join(' ', (await File.ReadAllTextAsync("/proc/loadavg")).Split(' ').Take(3));

    private static async Task<string> VersionOfAsync(string command, string argument)
    {
        try
        {
            var start = new ProcessStartInfo(command, argument) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            // wrk prints its usage after the version line, and a copyright after the version.
            var first = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
            return first.Split(" [", 2)[0];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not found";
        }
    }

    public string Describe()
        => string.Create(CultureInfo.InvariantCulture,
            $"{Cores} cores ({CpuModel}), Linux {Kernel}, {DotnetRuntime} (SDK {DotnetSdk}), Node.js {NodeVersion}, {WrkVersion}");
}
