using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// A real IdP server process (the built binary, Production environment) on a free loopback port, as an operator
/// runs one instance of a deployment. Its output is kept for the test to read.
/// </summary>
public sealed class IdpProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private IdpProcess(Process process, int port, string name)
    {
        _process = process;
        Port = port;
        Name = name;
    }

    public int Port { get; }

    public string Name { get; }

    public string Address => $"127.0.0.1:{Port}";

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote to standard output and error so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the server with <paramref name="settings"/> (configuration keys, e.g. <c>Database:Provider</c>), serving
    /// plain HTTP on <paramref name="port"/> (a free one when not given).
    /// </summary>
    public static IdpProcess Start(string name, IReadOnlyDictionary<string, string?> settings, int? port = null)
    {
        port ??= FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value ?? "";
        }

        var process = Process.Start(start)!;
        var server = new IdpProcess(process, port.Value, name);
        process.OutputDataReceived += (_, e) => server.Record(e.Data);
        process.ErrorDataReceived += (_, e) => server.Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails with the process output if it never does.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new Xunit.Sdk.XunitException($"{Name} exited ({_process.ExitCode}) before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri($"http://{Address}/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Busy starting.
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"{Name} was not ready within {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL: the instance dies mid-request, as on a crash or an OOM kill; nothing is flushed.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }

    private void Record(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
