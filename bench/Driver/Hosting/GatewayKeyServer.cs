using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IdP.Bench.Suite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IdP.Bench.Hosting;

/// <summary>
/// The mainframe gateway's side of scenario (f), as API ML v3 does it: an RSA-2048 key published as a JWKS on
/// loopback at API ML's path with no <c>kid</c>, <c>use</c> or <c>alg</c> (<c>Mainframe:Mapper:GatewayJwksUrls</c>
/// points here), and the <c>apimlAuthenticationToken</c> cookie JWT API ML mints for its identityMapperUser on every
/// mapper call: RS256, header <c>{"alg":"RS256"}</c> only, a new <c>iat</c> and <c>jti</c> each time.
/// </summary>
public sealed class GatewayKeyServer : IAsyncDisposable
{
    public const string JwksPath = "/gateway/api/v1/auth/keys/public/all";

    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"RS256"}"""u8);

    private readonly RSA _rsa = RSA.Create(2048);
    private WebApplication? _app;

    public string JwksUrl { get; private set; } = "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        var jwks = Jwks();
        _app.MapGet(JwksPath, () => Results.Text(jwks, "application/json"));
        await _app.StartAsync();
        JwksUrl = _app.Urls.Single().TrimEnd('/') + JwksPath;
    }

    private string Jwks()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", e = Base64Url.EncodeToString(parameters.Exponent), n = Base64Url.EncodeToString(parameters.Modulus) } },
        });
    }

    /// <summary>One cookie value: iss APIML, sub ZWESVUSR (API ML's default identityMapperUser), valid for 8 hours.</summary>
    public string MintCookie() => Mint(_rsa, DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static string Mint(RSA rsa, long now)
    {
        var payload = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new
        {
            sub = "ZWESVUSR", iat = now, exp = now + 8 * 3600, iss = "APIML", jti = Guid.NewGuid().ToString(), dom = "security-domain",
        }));
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(Header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Header + "." + payload + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>
    /// Writes <paramref name="count"/> distinct cookies to <paramref name="path"/>, one a line. An RSA signature costs
    /// ten times its check, so the signing runs in a child process on every online core (this process is pinned to
    /// the load generator's one), while no server is under load.
    /// </summary>
    public async Task<string> MintCookiesAsync(int count, string path)
    {
        var keyFile = Path.ChangeExtension(path, ".key.pem");
        await File.WriteAllTextAsync(keyFile, _rsa.ExportPkcs8PrivateKeyPem());
        var cores = (await File.ReadAllTextAsync("/sys/devices/system/cpu/online")).Trim();
        var start = new ProcessStartInfo("taskset") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", cores, "dotnet", typeof(GatewayKeyServer).Assembly.Location,
                     "cookies", "--key", keyFile, "--count", count.ToString(CultureInfo.InvariantCulture), "--out", path])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new BenchException("Could not start the cookie minting.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        File.Delete(keyFile);
        return process.ExitCode == 0 ? path : throw new BenchException($"Minting {count} gateway cookies failed ({process.ExitCode}): {error}");
    }

    /// <summary>The child's part (<c>IdP.Bench cookies</c>): sign <paramref name="count"/> cookies on every core it may use.</summary>
    public static async Task MintToFileAsync(string keyFile, int count, string path)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(keyFile));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var cookies = new string[count];
        Parallel.For(0, count, () => RSA.Create(rsa.ExportParameters(true)), (i, _, signer) =>
        {
            cookies[i] = Mint(signer, now);
            return signer;
        }, signer => signer.Dispose());
        await File.WriteAllLinesAsync(path, cookies);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }
}
