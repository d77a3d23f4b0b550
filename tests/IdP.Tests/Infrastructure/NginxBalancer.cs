using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace IdP.Tests.Infrastructure;

/// <summary>
/// nginx (Debian's package) running the sample configuration from <c>docs/deployment/nginx.conf</c>, with only
/// the addresses, ports and certificate changed: TLS terminated with a fresh self-signed certificate on a loopback
/// port, round-robin over the given instances. Every response says which instance served it
/// (<see cref="ServedByHeader"/>), added by the test's outer configuration, not by the sample.
/// </summary>
public sealed partial class NginxBalancer : IAsyncDisposable
{
    public const string ServedByHeader = "X-Served-By";

    private readonly Process _process;
    private readonly string _directory;
    private readonly X509Certificate2 _certificate;

    private NginxBalancer(Process process, string directory, int port, X509Certificate2 certificate)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _certificate = certificate;
    }

    public int Port { get; }

    /// <summary>The public address of the deployment: IdP's issuer.</summary>
    public Uri BaseAddress => new($"https://localhost:{Port}/");

    public static string SampleConfigurationPath => Path.Combine(Repository.Root, "docs", "deployment", "nginx.conf");

    public static async Task<NginxBalancer> StartAsync(int port, params string[] instanceAddresses)
    {
        var directory = Path.Combine(Path.GetTempPath(), "idp-nginx", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var certificate = LocalhostCertificate.WritePem(directory);

        var site = await File.ReadAllTextAsync(SampleConfigurationPath);
        var upstreams = string.Join("\n", instanceAddresses.Select(a => $"    server {a} max_fails=1 fail_timeout=10s;"));
        if (UpstreamServers().Count(site) == 0 || !site.Contains("upstream idp_instances {", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The sample configuration no longer has the upstream block this test rewrites.");
        }

        site = UpstreamServers().Replace(site, "");
        site = site.Replace("upstream idp_instances {", "upstream idp_instances {\n" + upstreams, StringComparison.Ordinal);
        site = site.Replace("listen 80;", $"listen 127.0.0.1:{IdpProcess.FreePort()};", StringComparison.Ordinal)
                   .Replace("listen 443 ssl http2;", $"listen 127.0.0.1:{port} ssl http2;", StringComparison.Ordinal)
                   .Replace("/etc/ssl/idp/fullchain.pem", Path.Combine(directory, "cert.pem"), StringComparison.Ordinal)
                   .Replace("/etc/ssl/idp/privkey.pem", Path.Combine(directory, "key.pem"), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(directory, "idp.conf"), site);

        // The outer configuration: one worker (one round-robin state, so instances strictly alternate), files in the
        // test's folder, and a header naming the instance that answered.
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            user root root;
            worker_processes 1;
            daemon off;
            pid {{directory}}/nginx.pid;
            error_log {{directory}}/error.log warn;
            events { worker_connections 512; }
            http {
                access_log {{directory}}/access.log;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                add_header {{ServedByHeader}} $upstream_addr always;
                include {{directory}}/idp.conf;
            }
            """);

        var binary = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var check = ExternalCommand.Run(binary, "-t", "-p", directory, "-c", Path.Combine(directory, "nginx.conf"));
        if (check.ExitCode != 0)
        {
            throw new InvalidOperationException($"nginx rejected the sample configuration: {check.Output}\n{site}");
        }

        var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", directory, "-c", Path.Combine(directory, "nginx.conf") })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var balancer = new NginxBalancer(process, directory, port, certificate);
        await balancer.WaitUntilListeningAsync();
        return balancer;
    }

    /// <summary>An HTTP handler that trusts exactly this balancer's certificate (pinned), as a client would trust a CA.</summary>
    public SocketsHttpHandler CreateHandler(bool cookies)
        => new()
        {
            UseCookies = cookies,
            AllowAutoRedirect = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString(),
            },
        };

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        _certificate.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder.
        }

        return ValueTask.CompletedTask;
    }

    private async Task WaitUntilListeningAsync()
    {
        using var http = new HttpClient(CreateHandler(cookies: false)) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited: {await _process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health/live", UriKind.Relative));
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }

        throw new InvalidOperationException("nginx did not start listening.");
    }

    [GeneratedRegex(@"^\s*server 10\.0\.0\.\d+:\d+ [^;]*;\s*$\n?", RegexOptions.Multiline)]
    private static partial Regex UpstreamServers();
}
